// The EC2 Query protocol's response side: XML in the 2016-11-15 namespace, element names in
// lowerCamel as the service model's xmlName says, lists as `<fooSet><item>…</item></fooSet>`, and
// errors as `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors>`.

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** A value to serialise: text, a structure (ordered keys), or a list of items (`<item>`). */
export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [name: string]: XmlValue };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((item) => element('item', item)).join('')}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value).map(([key, child]) => element(key, child)).join('');
    return inner ? `<${name}>${inner}</${name}>` : `<${name}/>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function responseXml(operation: string, requestId: string, body: Record<string, XmlValue>): string {
  const inner = Object.entries(body).map(([key, value]) => element(key, value)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${inner}</${operation}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
