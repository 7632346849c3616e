// A small bar chart (SVG) of one instance's tokenless calls per day over the window: the picture
// that says "every night at 02:00" or "once, last Tuesday" faster than a column of numbers.
import { DAY_MS } from './metrics';
import type { DailyCounts } from './types';

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function windowDays(windowStart: string, days: number): string[] {
  const start = Date.parse(windowStart);
  return Array.from({ length: days }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

export function tokenlessChartSvg(counts: DailyCounts, windowStart: string, days: number, options: ChartOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 200;
  const left = 48;
  const bottom = 28;
  const top = 28;
  const plotWidth = width - left - 12;
  const plotHeight = height - top - bottom;
  const dayList = windowDays(windowStart, days);
  const byDay = new Map(counts.nonZeroDays);
  const max = Math.max(1, ...counts.nonZeroDays.map(([, v]) => v));
  const slot = plotWidth / dayList.length;
  const bars = dayList.map((day, i) => {
    const value = byDay.get(day) ?? 0;
    const h = Math.round((value / max) * plotHeight);
    const x = left + i * slot + slot * 0.15;
    return value > 0
      ? `<rect x="${x.toFixed(1)}" y="${top + plotHeight - h}" width="${(slot * 0.7).toFixed(1)}" height="${h}" fill="#d13212"><title>${day}: ${value.toLocaleString('en-US')} tokenless calls</title></rect>`
      : `<rect x="${x.toFixed(1)}" y="${top + plotHeight - 1}" width="${(slot * 0.7).toFixed(1)}" height="1" fill="#888"><title>${day}: none</title></rect>`;
  });
  const labelEvery = Math.max(1, Math.ceil(dayList.length / 7));
  const labels = dayList
    .map((day, i) => (i % labelEvery === 0 || i === dayList.length - 1
      ? `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle">${day.slice(5)}</text>`
      : ''))
    .join('');
  const title = escapeXml(options.title ?? `Tokenless IMDS calls per day (MetadataNoToken), ${days} days`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" font-family="sans-serif" font-size="11" fill="currentColor">`,
    `<text x="${left}" y="16" font-weight="bold">${title}</text>`,
    `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#888"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="#888"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${max.toLocaleString('en-US')}</text>`,
    `<text x="${left - 6}" y="${top + plotHeight}" text-anchor="end">0</text>`,
    ...bars,
    labels,
    '</svg>',
  ].join('');
}
