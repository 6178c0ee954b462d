-- Mira's user commands (:MiraChat, :MiraChatStop, :MiraApply, :MiraFeedback, :MiraCochange,
-- :MiraExperts, :MiraReindex, :MiraScaffold, :MiraRefine, :MiraReasoning, :MiraProfile, :MiraRelated), defined at startup so they work with `vim.lsp.enable('mira')` alone.
if vim.g.loaded_mira then
  return
end
vim.g.loaded_mira = true
require('mira').commands()
