// Number formatting that does not depend on the machine's locale, so messages and tests agree.

/** 16384 -> "16,384". */
export function formatCount(value: number): string {
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(value)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Exact counts below 1 MiB ("12,345 bytes"), binary units above ("8 MiB", "1.5 GiB"). */
export function formatBytes(value: number): string {
  if (Math.abs(value) < 1024 * 1024) return `${formatCount(value)} ${Math.abs(value) === 1 ? 'byte' : 'bytes'}`;
  const units = ['MiB', 'GiB', 'TiB'];
  let scaled = value / (1024 * 1024);
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  const rounded = Math.round(scaled * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} ${units[unit]}`;
}

/**
 * 75.3125 -> "75.3%". Rounds away from 100%: 99.99% shows as 99.9% and 100.01% as 100.1%, so
 * "100%" means exactly at the limit.
 */
export function formatPercent(value: number): string {
  const rounded = value > 100 ? Math.ceil(value * 10) / 10 : Math.floor(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}
