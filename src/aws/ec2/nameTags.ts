// Names for the Add SSM Instance… picker: SSM knows an instance's computer name, EC2 its Name tag,
// which is what people call it. Asked where DescribeInstances is allowed; bounded (one attempt per
// call, 5 s in all, the first 1,000 EC2 instances), and on any error (no permission, no network)
// the names stay as they were: the picker must not wait on names.
import { Ec2Api, type Ec2Options } from './api';

/** The instances with their Name tags as names, where EC2 has one; the same instances on any error. */
export async function withNameTags<T extends { instanceId: string; name?: string }>(instances: T[], options: Ec2Options & { timeoutMs?: number }): Promise<T[]> {
  // Managed on-premises nodes (mi-…) are not EC2 instances.
  const ids = instances.map((i) => i.instanceId).filter((id) => id.startsWith('i-')).slice(0, 1000);
  if (ids.length === 0) return instances;
  let api: Ec2Api | undefined;
  try {
    api = await Ec2Api.connect({ maxAttempts: 1, ...options });
    const signal = AbortSignal.timeout(options.timeoutMs ?? 5000);
    const names = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 200) {
      for (const found of await api.listInstances({ filters: { 'instance-id': ids.slice(i, i + 200) }, maxPages: 5, signal })) if (found.name) names.set(found.instanceId, found.name);
    }
    return instances.map((i) => (names.has(i.instanceId) ? { ...i, name: names.get(i.instanceId)! } : i));
  } catch {
    return instances;
  } finally {
    api?.close();
  }
}
