// Runtime errors of the engine: one class, a stable code each (HOUSE-STYLE 14).
export type EngineErrorCode =
  | 'EOUTPUT'        // a rule's output format does not compile
  | 'EPRIORITY'      // an unknown --min-priority name
  | 'ERATE'         // a bad --rate-limit
  | 'ETAGS'          // -t and -T given together (Falco refuses it too)
  | 'EOPTION'        // another bad option value (--rule-matching)
  | 'ERULES_NONE'    // no rules file or directory to load
  | 'ERULES_LOAD'    // the rule set has load errors
  | 'ELOADER';       // the rules loader is not available

export class EngineError extends Error {
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
  }
}
