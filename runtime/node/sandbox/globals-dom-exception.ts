/**
 * `DOMException` for a sandbox vm context (composed by `contextGlobals`).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context, so the class is the context's and its `constructor.constructor` is the context's
 * `Function`. Besides the class, it hands `contextGlobals` the brand check and the internal
 * name and message, which structuredClone needs to copy one without running its getters.
 */
export interface ContextDomException {
  DOMException: new (message?: unknown, options?: unknown) => Error;
  isDOMException: (value: unknown) => boolean;
  /** The name and message a DOMException was made with (not what a patched getter says). */
  nameOf: (error: Error) => string;
  messageOf: (error: Error) => string;
}

export function contextDomException(): ContextDomException {
  'use strict';
  const { defineProperty, freeze, setPrototypeOf } = Object;
  const OwnError = Error;

  const DOM_CODES: Record<string, number> = setPrototypeOf(
    {
      IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
      NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
      SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
      TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
      QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
    },
    null,
  );
  let isDOMException: (value: unknown) => boolean;
  let domName: (error: DOMException) => string;
  let domMessage: (error: DOMException) => string;
  class DOMException extends OwnError {
    #name: string;
    #message: string;
    constructor(message: unknown = '', options: unknown = 'Error') {
      // No message to super: name and message are getters, as on the platform's DOMException.
      super();
      this.#message = `${message}`;
      let name = 'Error';
      if (options !== null && typeof options === 'object') {
        const bag = options as { name?: unknown; cause?: unknown };
        if ('name' in bag) name = `${bag.name}`;
        if ('cause' in bag) defineProperty(this, 'cause', { value: bag.cause, writable: true, configurable: true });
      } else if (options !== undefined) name = `${options}`;
      this.#name = name;
    }
    get code() {
      return DOM_CODES[this.#name] ?? 0;
    }
    static {
      isDOMException = (value) => typeof value === 'object' && value !== null && #name in value;
      // Accessors rather than own properties, like the platform's (defined below: Error
      // declares name and message as fields, which TypeScript won't let a getter override).
      domName = (error) => error.#name;
      domMessage = (error) => error.#message;
    }
  }
  defineProperty(DOMException.prototype, 'name', {
    get() {
      return domName(this);
    },
    enumerable: true,
    configurable: true,
  });
  defineProperty(DOMException.prototype, 'message', {
    get() {
      return domMessage(this);
    },
    enumerable: true,
    configurable: true,
  });
  const LEGACY_CODES = [
    'INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR', 'WRONG_DOCUMENT_ERR', 'INVALID_CHARACTER_ERR',
    'NO_DATA_ALLOWED_ERR', 'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR', 'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR',
    'INVALID_STATE_ERR', 'SYNTAX_ERR', 'INVALID_MODIFICATION_ERR', 'NAMESPACE_ERR', 'INVALID_ACCESS_ERR',
    'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR', 'NETWORK_ERR', 'ABORT_ERR', 'URL_MISMATCH_ERR',
    'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR', 'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR',
  ];
  for (let i = 0; i < LEGACY_CODES.length; i++) {
    defineProperty(DOMException, LEGACY_CODES[i], { value: i + 1, enumerable: true });
    defineProperty(DOMException.prototype, LEGACY_CODES[i], { value: i + 1, enumerable: true });
  }
  defineProperty(DOMException.prototype, Symbol.toStringTag, { value: 'DOMException', configurable: true });

  return freeze({
    DOMException,
    isDOMException,
    nameOf: (error: Error) => domName(error as DOMException),
    messageOf: (error: Error) => domMessage(error as DOMException),
  });
}
