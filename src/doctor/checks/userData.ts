// User data against the 16 KB limit (raw bytes, before base64), using the shared size check.

import { checkUserDataSize, gzipSuggestion } from '../../userdata/size';
import { formatCount } from '../../userdata/format';
import type { TreeReader } from '../reader';
import type { DoctorCheck } from '../types';

const TITLE = 'User data size (16 KB limit)';

export async function runUserDataCheck(reader: TreeReader | undefined, blockedReason?: string): Promise<DoctorCheck> {
  if (!reader) return { id: 'user-data-size', title: TITLE, status: 'skip', summary: blockedReason ?? 'Nothing could be read.', evidence: [], advice: [] };
  const read = await reader.read('/latest/user-data');
  if (read.status === 404) {
    return { id: 'user-data-size', title: TITLE, status: 'info', summary: 'This instance has no user data (user-data answers 404); that is not an error.', evidence: [read.line], advice: [] };
  }
  if (read.status !== 200 || !read.body) {
    return { id: 'user-data-size', title: TITLE, status: 'warn', summary: `Could not read user-data: ${read.line}.`, evidence: [read.line], advice: ['Run the doctor again.'] };
  }
  const size = checkUserDataSize(read.body);
  const evidence = [read.line, `${size.message}`, `base64 in the API call: ${formatCount(size.base64Length)} characters`];
  if (size.alreadyGzip) evidence.push('already gzip-compressed');
  else if (size.gzipBytes !== undefined) evidence.push(`gzip -9 would make it ${formatCount(size.gzipBytes)} bytes`);
  const suggestion = gzipSuggestion(size);
  if (size.level === 'over') {
    return {
      id: 'user-data-size', title: TITLE, status: 'fail',
      summary: `User data is ${formatCount(size.rawBytes)} bytes, over the 16,384-byte limit: EC2 would refuse it at launch.`,
      evidence,
      advice: [suggestion ?? 'Move the bulk to S3 and fetch it at boot.', 'EC2 counts the raw bytes before base64, so the limit is 16,384 bytes of script, not of encoded text.'],
    };
  }
  if (size.level === 'warn') {
    return {
      id: 'user-data-size', title: TITLE, status: 'warn',
      summary: `User data is ${formatCount(size.rawBytes)} bytes, close to the 16,384-byte limit (${formatCount(size.remaining)} left).`,
      evidence,
      advice: [suggestion ?? 'Keep the user data small: fetch larger scripts from S3 at boot.'],
    };
  }
  return { id: 'user-data-size', title: TITLE, status: 'pass', summary: `User data is ${formatCount(size.rawBytes)} bytes, within the 16,384-byte limit.`, evidence, advice: [] };
}
