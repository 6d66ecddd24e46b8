/** Why `url` cannot be fetched (scheme, credentials), or undefined. */
export function checkUrl(url: URL): string | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `only http: and https: URLs can be fetched, not ${url.protocol}`;
  }
  if (url.username !== "" || url.password !== "") return "URLs with credentials (user:password@) are not allowed";
  return undefined;
}

/** The URL for error messages: no credentials, no fragment, at most 300 characters. */
export function showUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  copy.hash = "";
  return truncate(copy.href);
}

export function withoutFragment(url: URL): string {
  const copy = new URL(url);
  copy.hash = "";
  return copy.href;
}

export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The most useful message in an error and its causes ("fetch failed" says nothing). */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth += 1) {
    if (e instanceof Error) {
      if (e.message && e.message !== "fetch failed") parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.length > 0 ? parts.join(": ") : "unknown error";
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (for work that cannot be cancelled, like dns.lookup). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
