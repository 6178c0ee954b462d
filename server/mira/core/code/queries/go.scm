; Code elements, imports and call sites of Go (captures: see ../extract.py).

(type_declaration (type_spec name: (type_identifier) @name type: (struct_type))) @definition.struct
(type_declaration (type_spec name: (type_identifier) @name type: (interface_type))) @definition.interface
(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(type_identifier) @receiver_type
                                                          (pointer_type (type_identifier) @receiver_type)]))
  name: (field_identifier) @name) @definition.method
(method_elem name: (field_identifier) @name) @definition.method

(field_declaration name: (field_identifier) @field)

(import_spec name: (package_identifier)? @import.alias path: (interpreted_string_literal) @import.module) @import

(call_expression function: (identifier) @call.name) @call
(call_expression function: (selector_expression operand: (_) @call.receiver field: (field_identifier) @call.name)) @call
