; Code elements, imports and call sites of Python (captures: see ../extract.py).

(class_definition
  name: (identifier) @name
  superclasses: (argument_list)? @bases
  body: (block . (expression_statement (string) @doc)?)) @definition.class

(function_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc)?)) @definition.function

(class_definition
  body: (block (expression_statement (assignment left: (identifier) @field))))

(class_definition
  body: (block (expression_statement (assignment left: (pattern_list (identifier) @field)))))

(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @field)
  (#eq? @_self "self"))

(import_statement name: (dotted_name) @import.module) @import
(import_statement
  name: (aliased_import name: (dotted_name) @import.module alias: (identifier) @import.alias)) @import

(import_from_statement
  module_name: (_) @import.module
  name: (dotted_name) @import.name) @import
(import_from_statement
  module_name: (_) @import.module
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias)) @import

(call function: (identifier) @call.name) @call
(call function: (attribute object: (_) @call.receiver attribute: (identifier) @call.name)) @call

; `x = Type(...)`: the receiver type of later `x.method()` calls in the same scope
(assignment left: (identifier) @local.name right: (call function: (identifier) @local.type))
