; Imports and call sites shared by JavaScript and TypeScript (appended to both queries by
; their `; also:` line; captures: see ../extract.py).

(import_statement
  (import_clause (identifier) @import.default)
  source: (string (string_fragment) @import.module)) @import
; what a default import of this file binds
(export_statement "default" declaration: [(function_declaration name: (_) @export.default)
                                          (generator_function_declaration name: (_) @export.default)
                                          (class_declaration name: (_) @export.default)]) @import
(export_statement "default" value: (identifier) @export.default) @import
(import_statement
  (import_clause (named_imports (import_specifier name: (identifier) @import.name
                                                  alias: (identifier)? @import.alias)))
  source: (string (string_fragment) @import.module)) @import
(import_statement
  (import_clause (namespace_import (identifier) @import.alias))
  source: (string (string_fragment) @import.module)) @import

; re-exports: `export { X, Y as Z } from './m'`, `export * from './m'`
(export_statement
  (export_clause (export_specifier name: (identifier) @import.name alias: (identifier)? @import.alias))
  source: (string (string_fragment) @import.module)) @import
(export_statement "*" @import.star source: (string (string_fragment) @import.module)) @import

(call_expression function: (identifier) @call.name) @call
(call_expression
  function: (member_expression object: (_) @call.receiver
                               property: (property_identifier) @call.name)) @call
(new_expression constructor: (identifier) @call.name) @call

; receiver types of later `x.method()` calls in the same scope: `const x = new Type(...)`,
; `const x = make(...)` (its return type); `this.x = new Type()` types the class's `x`
(variable_declarator name: (identifier) @local.name value: (new_expression constructor: (identifier) @local.type))
(variable_declarator name: (identifier) @local.name
                     value: (call_expression function: [(identifier) (member_expression)] @local.call))
(assignment_expression
  left: (member_expression object: (this) property: (property_identifier) @attr.name)
  right: (new_expression constructor: (identifier) @attr.type))
