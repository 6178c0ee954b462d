; Code elements, imports and call sites of C++ (captures: see ../extract.py).

(function_definition
  declarator: [(function_declarator declarator: [(identifier) (field_identifier) (destructor_name)] @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (reference_declarator (function_declarator declarator: (identifier) @name))]) @definition.function
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier scope: (namespace_identifier) @receiver_type name: (identifier) @name))) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(class_specifier name: (type_identifier) @name (base_class_clause)? @bases body: (field_declaration_list)) @definition.class
(struct_specifier name: (type_identifier) @name (base_class_clause)? @bases body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(namespace_definition name: (namespace_identifier) @name) @definition.module

(field_declaration declarator: (field_identifier) @field)

(preproc_include path: (_) @import.module) @import

(call_expression function: (identifier) @call.name) @call
(call_expression function: (field_expression argument: (_) @call.receiver field: (field_identifier) @call.name)) @call
(call_expression function: (qualified_identifier scope: (_) @call.receiver name: (identifier) @call.name)) @call
