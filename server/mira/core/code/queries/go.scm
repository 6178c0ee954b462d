; Code elements, imports and call sites of Go (captures: see ../extract.py).

; every type declaration kind: structs, interfaces, other named types (`type ID int`, function
; types, generic types) and aliases (`type A = B`), grouped (`type ( ... )`) or not
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name
           type: [(type_identifier) (qualified_type) (function_type) (generic_type) (pointer_type)
                  (slice_type) (map_type) (array_type) (channel_type)]) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(function_declaration name: (identifier) @name result: (_)? @returns) @definition.function
; methods, generic receivers too (`func (s *Stack[T]) Push`)
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(type_identifier) @receiver_type
                                                          (pointer_type (type_identifier) @receiver_type)
                                                          (generic_type type: (type_identifier) @receiver_type)
                                                          (pointer_type (generic_type type: (type_identifier) @receiver_type))]))
  name: (field_identifier) @name
  result: (_)? @returns) @definition.method
(method_elem name: (field_identifier) @name) @definition.method

(field_declaration name: (field_identifier) @field)

(import_spec name: (package_identifier)? @import.alias path: (interpreted_string_literal) @import.module) @import

(call_expression function: (identifier) @call.name) @call
(call_expression function: (selector_expression operand: (_) @call.receiver field: (field_identifier) @call.name)) @call

; receiver types: parameters and method receivers (`s *Stack[T]`), `x := Type{...}`,
; `x := &Type{...}`, `x := NewType(...)` (its return type)
(parameter_declaration name: (identifier) @local.name
                       type: [(type_identifier) (pointer_type) (generic_type) (qualified_type)] @local.type)
(short_var_declaration left: (expression_list . (identifier) @local.name)
                       right: (expression_list . (composite_literal type: (_) @local.type)))
(short_var_declaration left: (expression_list . (identifier) @local.name)
                       right: (expression_list . (unary_expression operand: (composite_literal type: (_) @local.type))))
(short_var_declaration left: (expression_list . (identifier) @local.name)
                       right: (expression_list . (call_expression function: [(identifier) (selector_expression)] @local.call)))
