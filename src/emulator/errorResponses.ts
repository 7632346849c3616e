// Error answers shaped like the real service's: an XHTML page naming the status, served as text/html.
// Bodies and header lists are built once per status, so an error costs no allocation either.

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ErrorResponse {
  status: number;
  body: Buffer;
  headers: string[];
}

function page(status: number): string {
  const title = `${status} - ${STATUS_TEXT[status] ?? 'Error'}`;
  return (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
    ' <head>\n' +
    `  <title>${title}</title>\n` +
    ' </head>\n' +
    ' <body>\n' +
    `  <h1>${title}</h1>\n` +
    ' </body>\n' +
    '</html>\n'
  );
}

const cache = new Map<number, ErrorResponse>();

export function errorResponse(status: number): ErrorResponse {
  let response = cache.get(status);
  if (!response) {
    const body = Buffer.from(page(status), 'latin1');
    const headers = ['Content-Type', 'text/html', 'Content-Length', String(body.length), 'Server', 'EC2ws'];
    if (status === 405) headers.push('Allow', 'GET, HEAD, PUT');
    response = { status, body, headers };
    cache.set(status, response);
  }
  return response;
}
