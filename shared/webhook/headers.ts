// Header lookup for the shapes adapters hand over (Node's IncomingHttpHeaders, Lambda's lower-cased
// record, a Fetch Headers copied to a record): case-insensitive, first value of a repeated header.

export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export function headerValue(headers: RawHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === "string" ? value : value[0];
  }
  return undefined;
}
