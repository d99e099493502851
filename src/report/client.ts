/**
 * The script of the report page, as text (it runs in the browser, next to the inlined
 * uPlot). It reads the data from <script id="btsim-data">, draws a chart per (swept
 * parameter, metric) with a line per design, and lets the reader hold the other swept
 * parameters at one value instead of averaging over them. `window.btsimReport` exposes
 * the charts (tests read it).
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('btsim-data').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  var sel = {};
  D.axes.forEach(function (a) { sel[a.path] = -1; });
  var charts = [];
  window.btsimReport = { data: D, charts: charts, ready: false };

  function valueText(v) {
    if (typeof v === 'number') return v.toLocaleString('en-US');
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }
  function num(v, digits) {
    if (v == null || !isFinite(v)) return '-';
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(2) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    if (a >= 100 || v === 0) return v.toFixed(0);
    return v.toPrecision(digits || 3);
  }
  function fmt(metric, v) {
    if (v == null) return '-';
    if (metric.fmt === 'pct') return num(v) + ' %';
    if (metric.fmt === 'int') return Math.round(v).toLocaleString('en-US');
    return num(v);
  }
  function xOf(axis, i) { return axis.numeric ? axis.values[i] : i; }

  /** [xs, ys per design]: the mean over seeds and over the other axes (or the held value). */
  function seriesData(axis, metric) {
    var xs = axis.values.map(function (_, i) { return xOf(axis, i); });
    var acc = D.designs.map(function () { return axis.values.map(function () { return { s: 0, n: 0 }; }); });
    D.points.forEach(function (p) {
      if (!(axis.path in p.at)) return;
      for (var k = 0; k < D.axes.length; k++) {
        var o = D.axes[k];
        if (o.path !== axis.path && sel[o.path] >= 0 && p.at[o.path] !== sel[o.path]) return;
      }
      var c = acc[p.design][p.at[axis.path]];
      var v = p.m[metric.id];
      if (v == null || !isFinite(v)) return;
      c.s += metric.fmt === 'pct' ? 100 * v : v;
      c.n++;
    });
    return [xs].concat(acc.map(function (row) {
      return row.map(function (c) { return c.n ? c.s / c.n : null; });
    }));
  }

  function chartWidth(el) { return Math.max(320, Math.floor(el.clientWidth || 480)); }

  function makeChart(el, axis, metric) {
    var n = axis.values.length;
    var xs = axis.values.map(function (_, i) { return xOf(axis, i); });
    var xScale = axis.numeric
      ? (axis.log ? { time: false, distr: 3, log: 2 } : { time: false })
      : { time: false, range: function () { return [-0.5, n - 0.5]; } };
    if (axis.numeric && n === 1) {
      var v0 = xs[0];
      xScale.range = function () { return v0 === 0 ? [-1, 1] : [v0 - Math.abs(v0) / 2, v0 + Math.abs(v0) / 2]; };
    }
    var xLabel = function (x) {
      if (axis.numeric) return valueText(x);
      var i = Math.round(x);
      return i >= 0 && i < n ? valueText(axis.values[i]) : '';
    };
    var opts = {
      title: metric.title,
      width: chartWidth(el),
      height: 280,
      scales: {
        x: xScale,
        y: { range: function (u, min, max) { return [0, max != null && max > 0 ? max * 1.1 : 1]; } },
      },
      axes: [
        {
          label: axis.path,
          splits: function (u, ai, min, max) { return xs.filter(function (x) { return x >= min && x <= max; }); },
          values: function (u, splits) { return splits.map(xLabel); },
        },
        {
          label: metric.unit,
          size: 64,
          values: function (u, splits) { return splits.map(function (v) { return num(v, 2); }); },
        },
      ],
      series: [{ label: axis.path, value: function (u, x) { return x == null ? '-' : xLabel(x); } }].concat(
        D.designs.map(function (d, i) {
          return {
            label: d,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            points: { show: true, size: 7, fill: COLORS[i % COLORS.length] },
            value: function (u, v) { return fmt(metric, v); },
          };
        })
      ),
    };
    var u = new uPlot(opts, seriesData(axis, metric), el);
    charts.push({ axis: axis.path, metric: metric.id, title: metric.title, el: el, u: u });
  }

  function refresh() {
    charts.forEach(function (c) {
      var axis = D.axes.filter(function (a) { return a.path === c.axis; })[0];
      var metric = D.metrics.filter(function (m) { return m.id === c.metric; })[0];
      c.u.setData(seriesData(axis, metric));
    });
  }

  var controls = document.getElementById('controls');
  var multi = D.axes.filter(function (a) { return a.values.length > 1; });
  if (D.axes.length > 1 && multi.length) {
    var intro = document.createElement('p');
    intro.textContent = 'Each chart averages over the seeds and over the other swept parameters; hold one at a value here:';
    controls.appendChild(intro);
    D.axes.forEach(function (a) {
      if (a.values.length < 2) return;
      var lab = document.createElement('label');
      lab.textContent = a.path + ' ';
      var s = document.createElement('select');
      s.setAttribute('data-axis', a.path);
      var all = document.createElement('option');
      all.value = '-1';
      all.textContent = 'mean over all';
      s.appendChild(all);
      a.values.forEach(function (v, i) {
        var o = document.createElement('option');
        o.value = String(i);
        o.textContent = valueText(v);
        s.appendChild(o);
      });
      s.addEventListener('change', function () { sel[a.path] = Number(s.value); refresh(); });
      lab.appendChild(s);
      controls.appendChild(lab);
    });
  }

  var root = document.getElementById('charts');
  D.axes.forEach(function (axis) {
    var sec = document.createElement('section');
    var h = document.createElement('h2');
    h.textContent = 'Against ' + axis.path;
    sec.appendChild(h);
    var grid = document.createElement('div');
    grid.className = 'grid';
    sec.appendChild(grid);
    root.appendChild(sec);
    D.metrics.forEach(function (metric) {
      var el = document.createElement('div');
      el.className = 'chart';
      el.setAttribute('data-metric', metric.id);
      el.setAttribute('data-axis', axis.path);
      grid.appendChild(el);
      makeChart(el, axis, metric);
    });
  });

  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: chartWidth(c.el), height: 280 }); });
    }, 100);
  });
  window.btsimReport.ready = true;
})();
`;
