// The posture as the view shows it: Region → class → instances, counted under the current search,
// each class's instances sorted once and cut into pages, so a level of the tree never holds more
// than PAGE_SIZE items whatever the fleet's size. Pure data: the VS Code tree is a thin shell on it.
import { CLASS_ORDER, emptyCounts, type PostureClass, type PostureInstance, type PostureReport, type RegionPosture } from './types';

export const PAGE_SIZE = 250;

export interface RegionSummary {
  region: string;
  error?: string;
  defaults?: RegionPosture['defaults'];
  total: number;
  counts: Record<PostureClass, number>;
}

export interface Page {
  /** 0-based index of the first instance. */
  start: number;
  /** Exclusive end. */
  end: number;
}

/** Text a search matches: Name, id and every tag key and value, lower-cased once. */
function searchText(instance: PostureInstance): string {
  return [instance.instanceId, instance.name ?? '', ...Object.entries(instance.tags).map(([k, v]) => `${k}=${v}`)].join('\n').toLowerCase();
}

function byAttention(cls: PostureClass) {
  return (a: PostureInstance, b: PostureInstance) =>
    cls === 'needs-work'
      ? (b.noToken?.total ?? 0) - (a.noToken?.total ?? 0) || a.instanceId.localeCompare(b.instanceId)
      : (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.instanceId.localeCompare(b.instanceId);
}

export class PostureModel {
  private filterText = '';
  private readonly haystack = new Map<PostureInstance, string>();
  private groups = new Map<string, PostureInstance[]>();
  private readonly byId = new Map<string, PostureInstance>();

  constructor(readonly report: PostureReport) {
    for (const region of report.regions) for (const instance of region.instances) this.byId.set(`${region.region}/${instance.instanceId}`, instance);
    this.regroup();
  }

  get filter(): string {
    return this.filterText;
  }

  /** Case-insensitive substring of Name, instance id or a tag (`Key=Value`); empty clears it. */
  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.regroup();
  }

  private matches(instance: PostureInstance): boolean {
    if (!this.filterText) return true;
    let text = this.haystack.get(instance);
    if (text === undefined) {
      text = searchText(instance);
      this.haystack.set(instance, text);
    }
    return text.includes(this.filterText);
  }

  private regroup(): void {
    const groups = new Map<string, PostureInstance[]>();
    for (const region of this.report.regions) {
      for (const instance of region.instances) {
        if (!this.matches(instance)) continue;
        const key = `${region.region}/${instance.class}`;
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(instance);
      }
    }
    for (const [key, list] of groups) list.sort(byAttention(key.slice(key.indexOf('/') + 1) as PostureClass));
    this.groups = groups;
  }

  regions(): RegionSummary[] {
    return this.report.regions.map((region) => {
      const counts = emptyCounts();
      let total = 0;
      for (const cls of CLASS_ORDER) {
        counts[cls] = this.groups.get(`${region.region}/${cls}`)?.length ?? 0;
        total += counts[cls];
      }
      return { region: region.region, ...(region.error ? { error: region.error } : {}), ...(region.defaults ? { defaults: region.defaults } : {}), total, counts };
    });
  }

  /** Matching instances of one class in one Region, in display order. */
  instances(region: string, cls: PostureClass): readonly PostureInstance[] {
    return this.groups.get(`${region}/${cls}`) ?? [];
  }

  /** Page ranges of a class (one page when it fits). */
  pages(region: string, cls: PostureClass): Page[] {
    const count = this.instances(region, cls).length;
    const pages: Page[] = [];
    for (let start = 0; start < count; start += PAGE_SIZE) pages.push({ start, end: Math.min(count, start + PAGE_SIZE) });
    return pages;
  }

  find(region: string, instanceId: string): PostureInstance | undefined {
    return this.byId.get(`${region}/${instanceId}`);
  }

  /** Every matching instance, Region by Region, class by class (exports). */
  *all(): Iterable<PostureInstance> {
    for (const region of this.report.regions) for (const cls of CLASS_ORDER) yield* this.instances(region.region, cls);
  }

  get totalMatching(): number {
    let total = 0;
    for (const list of this.groups.values()) total += list.length;
    return total;
  }
}
