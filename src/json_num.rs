//! Numbers in JSON: serde_json writes a non-finite `f64` as `null` (JSON has no NaN or
//! infinity); these read such a `null` back as NaN, for the report fields that can hold
//! one (`#[serde(deserialize_with = "nan_if_null")]`).

use serde::{Deserialize, Deserializer};

/// An `f64`, with `null` read as NaN.
pub fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A list of `f64`, with every `null` read as NaN.
pub fn nans_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// A pair of `f64` (an interval), with `null` read as NaN.
pub fn nan_pair_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<[f64; 2], D::Error> {
    let [a, b] = <[Option<f64>; 2]>::deserialize(d)?;
    Ok([a.unwrap_or(f64::NAN), b.unwrap_or(f64::NAN)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "nan_if_null")]
        x: f64,
        #[serde(deserialize_with = "nans_if_null")]
        v: Vec<f64>,
    }

    #[test]
    fn non_finite_numbers_come_back_as_nan() {
        let json = serde_json::to_string(&T {
            x: f64::INFINITY,
            v: vec![1.5, f64::NAN],
        })
        .unwrap();
        assert_eq!(json, r#"{"x":null,"v":[1.5,null]}"#);
        let back: T = serde_json::from_str(&json).unwrap();
        assert!(back.x.is_nan() && back.v[0] == 1.5 && back.v[1].is_nan());
    }
}
