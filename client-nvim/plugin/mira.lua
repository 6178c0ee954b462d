-- Mira's user commands (:MiraChat, :MiraChatStop, :MiraApply, :MiraCochange, :MiraExperts,
-- :MiraReindex, :MiraScaffold), defined at startup so they work with `vim.lsp.enable('mira')` alone.
if vim.g.loaded_mira then
  return
end
vim.g.loaded_mira = true
require('mira').commands()
