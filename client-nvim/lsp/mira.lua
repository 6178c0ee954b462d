-- Neovim 0.11+: `vim.lsp.enable('mira')` finds this file on 'runtimepath' and starts Mira with
-- it; no setup() call is needed. Override any field with `vim.lsp.config('mira', {...})`,
-- e.g. `cmd = { '/path/to/.venv/bin/mira', 'serve' }` or `init_options = { hintThreshold = 0.6 }`.
return require('mira').lsp_config()
