; Code elements, imports and call sites of Python (captures: see ../extract.py).

(class_definition
  name: (identifier) @name
  superclasses: (argument_list)? @bases
  body: (block . (expression_statement (string) @doc)?)) @definition.class

(function_definition
  name: (identifier) @name
  return_type: (type)? @returns
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
(import_from_statement module_name: (_) @import.module (wildcard_import) @import.star) @import

(call function: (identifier) @call.name) @call
(call function: (attribute object: (_) @call.receiver attribute: (identifier) @call.name)) @call

; receiver types of later `x.method()` calls in the same scope: `x = Type(...)`,
; `x = make(...)` (its return type), `x: Type`, parameters' annotations, `with Type() as x`
(assignment left: (identifier) @local.name right: (call function: [(identifier) (attribute)] @local.call))
(assignment left: (identifier) @local.name type: (type) @local.type)
(typed_parameter . (identifier) @local.name type: (type) @local.type)
(typed_default_parameter name: (identifier) @local.name type: (type) @local.type)
(with_item value: (as_pattern (call function: [(identifier) (attribute)] @local.call)
                              alias: (as_pattern_target (identifier) @local.name)))

; attribute types of the enclosing class: `self.x = Type(...)`, `self.x: Type`, `self.x = param`
; (typed), and annotated or assigned class attributes (dataclass and attrs fields)
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @attr.name)
  right: (call function: [(identifier) (attribute)] @attr.call)
  (#eq? @_self "self"))
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @attr.name)
  type: (type) @attr.type
  (#eq? @_self "self"))
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @attr.name)
  right: (identifier) @attr.local
  (#eq? @_self "self"))
(class_definition
  body: (block (expression_statement (assignment left: (identifier) @attr.name type: (type) @attr.type))))
(class_definition
  body: (block (expression_statement
    (assignment left: (identifier) @attr.name right: (call function: [(identifier) (attribute)] @attr.call)))))
