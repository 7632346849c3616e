// Bounds of every crawl of a metadata tree (the client's, the SSM walkers' and their replay): real
// IMDS is under 10 levels and a few hundred paths; a server that lists directories in a cycle, or
// lists a million names, must end with what was read and where it stopped, not run for ever.
export const DEFAULT_CRAWL_MAX_DEPTH = 16;
export const DEFAULT_CRAWL_MAX_ENTRIES = 20_000;
export const DEFAULT_CRAWL_MAX_TIME_MS = 120_000;
