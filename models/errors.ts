/**
 * Errors the domain raises on purpose. Each kind has one HTTP meaning, mapped in the HTTP adapter
 * (functions/lib/http.ts); `field` names the input at fault, e.g. `query.cursor`.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'gone';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
