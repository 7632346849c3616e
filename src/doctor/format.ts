// Small formatting helpers for evidence lines: durations and times relative to now.

/** 5 h 59 min, 2 min 3 s, 45 s. */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return s > 0 && m < 10 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** `2024-05-01T10:00:00Z (3 min ago)` or `(in 5 h 59 min)`. */
export function formatRelative(iso: string, nowMs: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = at - nowMs;
  if (Math.abs(delta) < 1000) return `${iso} (now)`;
  return delta > 0 ? `${iso} (in ${formatDuration(delta)})` : `${iso} (${formatDuration(delta)} ago)`;
}

/** `****************ABCD`, the way `aws configure list` shows an access key. */
export function keyTail(accessKeyId: string): string {
  return `****************${accessKeyId.slice(-4)}`;
}

/** Parses a JSON body, or undefined when there is none or it is not JSON. */
export function parseJson(body: Buffer | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Parses JSON to a plain object, or undefined. */
export function parseObject(body: Buffer | undefined): Record<string, unknown> | undefined {
  const value = parseJson(body);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}
