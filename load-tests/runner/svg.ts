/**
 * A small inline-SVG line chart: one or more series over the same x axis, with axes,
 * ticks and a legend. Enough for the report's plots without a charting dependency.
 */
export interface Line {
  name: string;
  color: string;
  points: Array<[number, number | null]>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function lineChart(title: string, yLabel: string, lines: Line[], width = 640, height = 220): string {
  const m = { l: 56, r: 12, t: 40, b: 36 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const xs = lines.flatMap((l) => l.points.map((p) => p[0]));
  const ys = lines.flatMap((l) => l.points.flatMap((p) => (p[1] === null ? [] : [p[1]])));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = Math.max(xMin + 1, xs.length ? Math.max(...xs) : 1);
  const yMax = niceMax(ys.length ? Math.max(...ys) : 1);
  const X = (x: number) => m.l + ((x - xMin) / (xMax - xMin)) * w;
  const Y = (y: number) => m.t + h - (y / yMax) * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" font-family="sans-serif" font-size="11">`);
  parts.push(`<text x="${m.l}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = Y(v);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + w}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = xMin + ((xMax - xMin) * i) / 5;
    parts.push(`<text x="${X(v)}" y="${m.t + h + 16}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  parts.push(`<text x="${m.l + w / 2}" y="${height - 4}" text-anchor="middle">seconds since start</text>`);
  parts.push(`<text x="12" y="${m.t + h / 2}" transform="rotate(-90 12 ${m.t + h / 2})" text-anchor="middle">${esc(yLabel)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  lines.forEach((line, li) => {
    let d = '';
    let pen = false;
    for (const [x, y] of line.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      pen = true;
    }
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.8"/>`);
    const lx = m.l + w - 90 * (lines.length - li);
    parts.push(`<rect x="${lx}" y="22" width="10" height="10" fill="${line.color}"/><text x="${lx + 14}" y="31">${esc(line.name)}</text>`);
  });
  if (ys.length === 0) parts.push(`<text x="${m.l + w / 2}" y="${m.t + h / 2}" text-anchor="middle" fill="#888">no data</text>`);
  parts.push('</svg>');
  return parts.join('');
}
