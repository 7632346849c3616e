// Puts a synthetic fleet's metric series where the local CloudWatch endpoint serves them.
import type { MetricStore } from '../cloudwatch/metricStore';
import type { Fleet } from './generate';

export const EC2_NAMESPACE = 'AWS/EC2';

export function loadFleetMetrics(store: MetricStore, fleet: Fleet): void {
  for (const instance of fleet.instances) {
    const dimensions = { InstanceId: instance.instanceId };
    if (instance.noToken) store.put({ region: instance.region, namespace: EC2_NAMESPACE, metricName: 'MetadataNoToken', dimensions }, instance.noToken);
    if (instance.noTokenRejected) {
      store.put({ region: instance.region, namespace: EC2_NAMESPACE, metricName: 'MetadataNoTokenRejected', dimensions }, instance.noTokenRejected);
    }
  }
}
