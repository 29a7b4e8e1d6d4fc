// Draws the figures of a losscape report page from the JSON block #losscape-figures.
// A figure is {type: "plot", data, layout}: a plotly figure as it is; or
// {type: "landscape", x, y, sets, order, labels, levels, step, path}: a 2-D slice,
// drawn as a 3-D surface (every `step`-th row and column) beside a contour map (every
// point), on one colour scale, with a tab per set (sets[name] = {name, value, acc_name,
// acc}: flat row-major grids, y rows by x columns), a log/linear toggle, the training
// path (pairs a, b) over both, and hover on either view marking the point on the other.
// When every figure is drawn, <body data-rendered> holds, per chart, its size, its
// SVG and WebGL layers and the cells of its surface and contour (the browser test reads
// it), and <body data-errors> every error the page met (see ERRORS in page.rs).
(function () {
  'use strict';
  const specs = JSON.parse(document.getElementById('losscape-figures').textContent);
  const config = { responsive: true, displaylogo: false };
  const drawn = {};

  const fmt = (v) => (v === null || !isFinite(v) ? 'NaN' : Number(v).toPrecision(5));
  const count = (z) => (Array.isArray(z) ? z.reduce((n, r) => n + (Array.isArray(r) ? r.length : 1), 0) : 0);

  function record(id) {
    const gd = document.getElementById(id);
    const cells = (type) => Math.max(0, ...gd.data.filter((t) => t.type === type).map((t) => count(t.z)));
    drawn[id] = {
      traces: gd.data.length,
      width: gd.offsetWidth,
      height: gd.offsetHeight,
      svg: gd.querySelectorAll('svg.main-svg').length,
      gl: gd.querySelectorAll('canvas').length,
      surface_cells: cells('surface'),
      contour_cells: cells('contour') + cells('heatmap'),
    };
  }

  function plot(id, s) {
    return Plotly.newPlot(id, s.data, s.layout, config).then(() => record(id));
  }

  // The grid value nearest below-left of (a, b), interpolated bilinearly.
  function bilinear(x, y, z, a, b) {
    const cell = (v, t) => {
      let i = 0;
      while (i < v.length - 2 && v[i + 1] < t) i++;
      const w = v.length > 1 ? (t - v[i]) / (v[i + 1] - v[i]) : 0;
      return [i, Math.min(1, Math.max(0, w))];
    };
    const [i, u] = cell(x, a);
    const [j, w] = cell(y, b);
    const at = (jj, ii) => z[Math.min(jj, y.length - 1)][Math.min(ii, x.length - 1)];
    return (1 - w) * ((1 - u) * at(j, i) + u * at(j, i + 1)) + w * ((1 - u) * at(j + 1, i) + u * at(j + 1, i + 1));
  }

  function landscape(id, s) {
    const root = document.getElementById(id);
    const sd = id + '-surface';
    const cd = id + '-contour';
    const nx = s.x.length;
    const ny = s.y.length;
    let set = s.order[0];
    let log = root.querySelector('input.log').checked;
    // Rows and columns of the surface: every step-th, and the last.
    const pick = (n) => {
      const out = [];
      for (let i = 0; i < n; i += s.step) out.push(i);
      if (out[out.length - 1] !== n - 1) out.push(n - 1);
      return out;
    };
    const xi = pick(nx);
    const yj = pick(ny);

    function draw() {
      const d = s.sets[set];
      const shown = (v) => (v === null ? null : log ? Math.log10(Math.max(v, 1e-300)) : v);
      const z = [];
      const text = [];
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < ny; j++) {
        const zr = new Array(nx);
        const tr = new Array(nx);
        for (let i = 0; i < nx; i++) {
          const v = d.value[j * nx + i];
          zr[i] = shown(v);
          if (zr[i] !== null && isFinite(zr[i])) {
            lo = Math.min(lo, zr[i]);
            hi = Math.max(hi, zr[i]);
          }
          let t = 'a = ' + fmt(s.x[i]) + '<br>b = ' + fmt(s.y[j]) + '<br>' + d.name + ' = ' + fmt(v);
          if (d.acc) t += '<br>' + d.acc_name + ' = ' + fmt(d.acc[j * nx + i]);
          tr[i] = t;
        }
        z.push(zr);
        text.push(tr);
      }
      const scale = (log ? 'log₁₀ ' : '') + d.name;
      const surface = [
        {
          type: 'surface',
          x: xi.map((i) => s.x[i]),
          y: yj.map((j) => s.y[j]),
          z: yj.map((j) => xi.map((i) => z[j][i])),
          text: yj.map((j) => xi.map((i) => text[j][i])),
          hovertemplate: '%{text}<extra></extra>',
          colorscale: 'Viridis',
          cmin: lo,
          cmax: hi,
          colorbar: { title: { text: scale } },
        },
        { type: 'scatter3d', mode: 'markers', x: [], y: [], z: [], marker: { size: 5, color: '#e4572e' }, hoverinfo: 'skip', showlegend: false },
      ];
      const contour = [
        {
          type: 'contour',
          x: s.x,
          y: s.y,
          z: z,
          text: text,
          hovertemplate: '%{text}<extra></extra>',
          colorscale: 'Viridis',
          zmin: lo,
          zmax: hi,
          ncontours: s.levels,
          contours: { coloring: 'heatmap', showlines: true },
          line: { width: 0.5, color: 'rgba(255,255,255,0.6)' },
          colorbar: { title: { text: scale } },
        },
        { type: 'scatter', mode: 'markers', x: [], y: [], marker: { size: 12, color: '#e4572e', symbol: 'x' }, hoverinfo: 'skip', showlegend: false },
      ];
      if (s.path) {
        const px = s.path.map((p) => p[0]);
        const py = s.path.map((p) => p[1]);
        const pz = s.path.map((p) => bilinear(s.x, s.y, z, p[0], p[1]));
        contour.push({ type: 'scatter', mode: 'lines+markers', x: px, y: py, name: 'training path', line: { color: '#fff' }, marker: { size: 4 } });
        surface.push({ type: 'scatter3d', mode: 'lines', x: px, y: py, z: pz, name: 'training path', line: { color: '#fff', width: 5 } });
      }
      const axes = { xaxis: { title: { text: s.labels.x } }, yaxis: { title: { text: s.labels.y } } };
      const l3 = {
        title: { text: d.name + ': surface' },
        margin: { l: 0, r: 0, t: 40, b: 0 },
        scene: { xaxis: axes.xaxis, yaxis: axes.yaxis, zaxis: { title: { text: scale } } },
        uirevision: id,
        showlegend: false,
      };
      const l2 = Object.assign({ title: { text: d.name + ': contours' }, margin: { t: 40 }, uirevision: id, showlegend: false }, axes);
      return Promise.all([Plotly.react(sd, surface, l3, config), Plotly.react(cd, contour, l2, config)]);
    }

    return draw().then(() => {
      const sgd = document.getElementById(sd);
      const cgd = document.getElementById(cd);
      sgd.on('plotly_hover', (e) => {
        const p = e.points[0];
        if (p.curveNumber === 0) Plotly.restyle(cgd, { x: [[p.x]], y: [[p.y]] }, [1]);
      });
      cgd.on('plotly_hover', (e) => {
        const p = e.points[0];
        if (p.curveNumber === 0) Plotly.restyle(sgd, { x: [[p.x]], y: [[p.y]], z: [[p.z]] }, [1]);
      });
      root.querySelectorAll('button.tab').forEach((b) =>
        b.addEventListener('click', () => {
          set = b.dataset.set;
          root.querySelectorAll('button.tab').forEach((o) => o.classList.toggle('on', o === b));
          draw();
        }),
      );
      root.querySelector('input.log').addEventListener('change', (e) => {
        log = e.target.checked;
        draw();
      });
      record(sd);
      record(cd);
    });
  }

  const all = Object.keys(specs).map((id) => (specs[id].type === 'landscape' ? landscape(id, specs[id]) : plot(id, specs[id])));
  Promise.all(all).then(
    () => {
      document.body.dataset.rendered = JSON.stringify(drawn);
      document.body.dataset.errors = JSON.stringify(window.losscapeErrors || []);
    },
    (err) => {
      console.error(err);
      document.body.dataset.errors = JSON.stringify(window.losscapeErrors || [String(err)]);
    },
  );
})();
