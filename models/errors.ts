/**
 * Errors the domain raises on purpose. Each kind has one HTTP meaning, mapped in the HTTP adapter
 * (functions/lib/http.ts); `field` names the input at fault, e.g. `query.cursor`.
 */
/** One thing wrong with a submitted body: the dotted path inside it and why (a 400 names each). */
export interface FieldIssue {
  field: string;
  message: string;
}

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

/** A domain error with a precise code, mapped to its kind's status by the HTTP adapter. */
export class CodedError extends DomainError {
  constructor(
    kind: DomainError['kind'],
    readonly code: string,
    message: string,
    field?: string,
  ) {
    super(kind, message, field);
  }
}
