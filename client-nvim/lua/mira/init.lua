-- Mira for Neovim 0.7+: starts `mira serve` with the built-in LSP client and adds
-- :MiraChat (streams mira/chat into a scratch buffer), :MiraChatStop, :MiraApply, :MiraCochange
-- (quickfix), :MiraExperts and :MiraScaffold (change recipes). Hover, CodeLens, code actions and diagnostics need nothing extra.
-- On 0.11+ `vim.lsp.enable('mira')` alone works (lsp/mira.lua); the commands come from
-- plugin/mira.lua. See :help mira.
local M = {}

M.filetypes = { 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'rust', 'go',
  'java', 'c', 'cpp', 'ruby', 'lua', 'markdown', 'sh', 'toml', 'yaml', 'json' }

M.options = {
  cmd = { 'mira', 'serve' },
  cmd_env = nil,
  filetypes = M.filetypes,
  init_options = {}, -- any key of docs/lsp-extensions.md "Initialization options"
}

local has_011 = vim.fn.has('nvim-0.11') == 1
local chats = {}   -- partialResultToken -> chat state
local next_token = 0

-- Client methods are called with ':' from 0.11 on, with '.' before.
local function call(client, name, ...)
  if has_011 then
    return client[name](client, ...)
  end
  return client[name](...)
end

local function root_dir(bufnr)
  local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  if git == '' then
    git = vim.fn.findfile('.git', dir .. ';')
  end
  if git == '' then
    return vim.fn.getcwd()
  end
  local full = vim.fn.fnamemodify(git, ':p'):gsub('/$', '')
  return vim.fn.fnamemodify(full, ':h')
end

--- $/progress for this client: chat partial results go to their chat, the rest to the default.
function M.progress_handler(err, result, ctx, config)
  local chat = result and chats[result.token]
  if chat then
    M._on_partial(chat, result.value)
    return
  end
  return vim.lsp.handlers['$/progress'](err, result, ctx, config)
end

local function client_config()
  return {
    name = 'mira',
    cmd = M.options.cmd,
    cmd_env = M.options.cmd_env,
    filetypes = M.options.filetypes,
    init_options = M.options.init_options,
    handlers = { ['$/progress'] = M.progress_handler },
  }
end

--- The configuration lsp/mira.lua gives `vim.lsp.config` (0.11+): the same client setup() starts.
function M.lsp_config()
  local config = client_config()
  config.name = nil
  config.root_markers = { '.git' }
  return config
end

--- The server command in effect: `vim.lsp.config('mira', …)` on 0.11+, else setup()'s.
function M.server_cmd()
  if vim.lsp.config and type(vim.lsp.config.mira) == 'table' and vim.lsp.config.mira.cmd then
    return vim.lsp.config.mira.cmd
  end
  return M.options.cmd
end

local started = {} -- 0.7: root -> client id

--- Start (or reuse) the Mira client for a buffer; returns the client id.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local config = client_config()
  config.root_dir = root_dir(bufnr)
  config.workspace_folders = { { uri = vim.uri_from_fname(config.root_dir), name = config.root_dir } }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = started[config.root_dir]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    started[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The Mira client attached to a buffer.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'mira' })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'mira' then
      return client
    end
  end
end

--- Send a request to Mira; handler(err, result). Returns the request id, or nil.
function M.request(bufnr, method, params, handler)
  local client = M.client(bufnr)
  if not client then
    vim.notify('Mira is not attached to this buffer', vim.log.levels.WARN)
    return nil
  end
  local ok, id = call(client, 'request', method, params, function(err, result)
    handler(err, result)
  end, bufnr)
  return ok and id or nil, client
end

--- mira/cochange into the quickfix list (open = false keeps the window closed).
function M.cochange(bufnr, open, on_done)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  M.request(bufnr, 'mira/cochange', params, function(err, result)
    if err or not result then
      vim.notify('mira/cochange: ' .. (err and err.message or 'no result'), vim.log.levels.WARN)
      if on_done then on_done(err, result) end
      return
    end
    local items = {}
    for _, item in ipairs(result.items) do
      table.insert(items, {
        filename = vim.uri_to_fname(item.uri), lnum = 1,
        text = string.format('%d %% · %d shared commits · %s', math.floor(item.confidence * 100 + 0.5),
          item.sharedCommits, item.reason),
      })
    end
    vim.fn.setqflist({}, 'r', { title = 'Changed together with ' .. result.path, items = items })
    if #items == 0 then
      vim.notify('Mira: ' .. (result.note or 'no files are usually changed with this one'))
    elseif open ~= false then
      vim.cmd('copen')
    end
    if on_done then on_done(nil, result) end
  end)
end

--- mira/experts, shown as a message.
function M.experts(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  M.request(bufnr, 'mira/experts', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = line, character = 0 },
  }, function(err, result)
    if err or not result then return end
    local lines = {}
    for _, e in ipairs(result.experts) do
      table.insert(lines, string.format('%s <%s> — %d %% · %d commits', e.name, e.email,
        math.floor(e.score * 100 + 0.5), e.commits))
    end
    vim.notify(#lines > 0 and table.concat(lines, '\n') or 'Mira: no history for this file yet')
  end)
end

-- -- chat ------------------------------------------------------------------------------------

local function chat_buffer()
  local buf = M.chat_buf
  if not buf or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.bo[buf].filetype = 'markdown'
    vim.bo[buf].bufhidden = 'hide'
    pcall(vim.api.nvim_buf_set_name, buf, 'mira://chat')
    M.chat_buf = buf
  end
  return buf
end

local function render(chat)
  if not vim.api.nvim_buf_is_valid(chat.buf) then return end
  local lines = { '# ' .. chat.message:gsub('\n', ' '), '' }
  for _, step in ipairs(chat.steps) do
    if step.kind == 'text' then
      vim.list_extend(lines, vim.split(step.text, '\n', { plain = true }))
    elseif step.kind == 'tool' then
      local mark = step.result == nil and '…' or (step.result.ok and '✓' or '✗')
      table.insert(lines, string.format('> %s %s %s', mark, step.name, vim.fn.json_encode(step.args or {})))
      if step.result then
        table.insert(lines, '>   ' .. step.result.summary:gsub('\n', ' '))
      end
      table.insert(lines, '')
    elseif step.kind == 'artifact' then
      local a = step.artifact
      table.insert(lines, '')
      table.insert(lines, string.format('Artifact `%s` (%s): `:MiraApply %s`', a.path, a.kind, a.id))
      table.insert(lines, '```' .. (a.kind == 'diff' and 'diff' or (a.language or '')))
      vim.list_extend(lines, vim.split(a.content, '\n', { plain = true }))
      table.insert(lines, '```')
    end
  end
  if chat.state == 'cancelled' then
    vim.list_extend(lines, { '', '_Stopped._' })
  elseif chat.state == 'failed' then
    vim.list_extend(lines, { '', '**Error:** ' .. tostring(chat.error) })
  end
  -- the user's own lines above the current chat are kept
  vim.api.nvim_buf_set_lines(chat.buf, chat.first_line, -1, false, lines)
end

function M._on_partial(chat, value)
  if type(value) ~= 'table' then return end
  chat.partials = chat.partials + 1
  local last = chat.steps[#chat.steps]
  if value.kind == 'text' then
    chat.text = chat.text .. value.text
    if last and last.kind == 'text' then
      last.text = last.text .. value.text
    else
      table.insert(chat.steps, { kind = 'text', text = value.text })
    end
  elseif value.kind == 'tool' then
    table.insert(chat.steps, { kind = 'tool', callId = value.callId, name = value.name, args = value.args })
  elseif value.kind == 'toolResult' then
    for _, step in ipairs(chat.steps) do
      if step.kind == 'tool' and step.callId == value.callId then
        step.result = { ok = value.ok, summary = value.summary }
      end
    end
  elseif value.kind == 'artifact' then
    table.insert(chat.steps, { kind = 'artifact', artifact = value.artifact })
    M._remember(value.artifact)
  end
  render(chat)
end

M.artifacts = {}       -- id -> artifact proposed in this session
M.artifact_order = {}  -- ids, oldest first

function M._remember(artifact)
  if not M.artifacts[artifact.id] then
    table.insert(M.artifact_order, artifact.id)
  end
  M.artifacts[artifact.id] = artifact
end

--- Ask Mira; the answer streams into the mira://chat scratch buffer. Returns the chat state
--- ({ text, steps, partials, state = 'streaming'|'completed'|'cancelled'|'failed', result, error }).
function M.chat(message, opts)
  opts = opts or {}
  local src = opts.bufnr or vim.api.nvim_get_current_buf()
  next_token = next_token + 1
  local token = string.format('mira-chat-%d-%d', vim.fn.getpid(), next_token)
  local buf = chat_buffer()
  local chat = { message = message, token = token, buf = buf, steps = {}, text = '', partials = 0,
    state = 'streaming', first_line = math.max(vim.api.nvim_buf_line_count(buf), 1) }
  if chat.first_line == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == '' then
    chat.first_line = 0
  end
  if opts.show ~= false and vim.fn.bufwinid(buf) == -1 then
    vim.cmd('botright vsplit')
    vim.api.nvim_win_set_buf(0, buf)
    vim.cmd('wincmd p')
  end
  local params = { message = message, partialResultToken = token }
  if vim.api.nvim_buf_get_name(src) ~= '' then
    local line = vim.api.nvim_win_get_cursor(0)[1] - 1
    params.textDocument = { uri = vim.uri_from_bufnr(src) }
    params.range = opts.range or { start = { line = line, character = 0 }, ['end'] = { line = line, character = 0 } }
  end
  params.sessionId = M.session_id
  params.preset = opts.preset
  chats[token] = chat
  render(chat)
  local id, client = M.request(src, 'mira/chat', params, function(err, result)
    chats[token] = nil
    if err then
      if err.code == -32800 or chat.state == 'cancelled' then
        chat.state = 'cancelled'
      else
        chat.state = 'failed'
        chat.error = err.message
        chat.code = err.code
      end
    else
      chat.state = 'completed'
      chat.result = result
      M.session_id = result.sessionId
      if chat.text == '' and result.response then
        M._on_partial(chat, { kind = 'text', text = result.response })
        chat.partials = chat.partials - 1
      end
      for _, a in ipairs(result.artifacts or {}) do
        M._remember(a)
      end
    end
    render(chat)
    if opts.on_done then opts.on_done(chat) end
  end)
  if not id then
    chats[token] = nil
    chat.state = 'failed'
    chat.error = 'Mira is not attached'
    if opts.on_done then opts.on_done(chat) end
    return chat
  end
  chat.cancel = function()
    chat.state = 'cancelled'
    call(client, 'cancel_request', id)
  end
  M.current_chat = chat
  return chat
end

--- Stop the running chat ($/cancelRequest).
function M.stop()
  if M.current_chat and M.current_chat.state == 'streaming' and M.current_chat.cancel then
    M.current_chat.cancel()
  end
end

--- Apply a proposed artifact (mira.applyArtifact: the server sends workspace/applyEdit, which
--- changes the buffer; nothing is written to disk). Without an id, the latest artifact.
function M.apply_artifact(id, on_done)
  id = (id ~= nil and id ~= '') and id or M.artifact_order[#M.artifact_order]
  if not id then
    vim.notify('Mira: no proposed change to apply yet (:MiraChat)', vim.log.levels.WARN)
    if on_done then on_done({ message = 'no artifact' }, nil) end
    return
  end
  local bufnr = vim.api.nvim_get_current_buf()
  if not M.client(bufnr) and M.chat_buf and vim.api.nvim_buf_is_valid(M.chat_buf) then
    -- run from the chat buffer: any buffer Mira is attached to will do
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if M.client(b) then bufnr = b break end
    end
  end
  M.request(bufnr, 'workspace/executeCommand', { command = 'mira.applyArtifact', arguments = { id } },
    function(err, result)
      if err then
        vim.notify('mira.applyArtifact: ' .. err.message, vim.log.levels.ERROR)
      else
        local a = M.artifacts[id]
        vim.notify('Mira: applied ' .. (a and a.path or id))
      end
      if on_done then on_done(err, result) end
    end)
end

-- -- change recipes ------------------------------------------------------------------------

M.recipe_ids = {} -- for :MiraScaffold's completion, from the last mira/recipes

--- Scaffold a change recipe for a new NAME through mira.applyScaffold: the server sends
--- workspace/applyEdit (new files open as buffers, shared files are edited; nothing is saved).
--- Without a recipe, pick one (vim.ui.select); without a name, ask (vim.ui.input).
function M.scaffold(recipe, name, on_done, bufnr)
  bufnr = (bufnr and bufnr ~= 0) and bufnr or vim.api.nvim_get_current_buf()
  if not M.client(bufnr) then
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if M.client(b) then bufnr = b break end
    end
  end
  local function apply(r, n)
    local args = { recipe = r, name = n, uri = vim.uri_from_bufnr(bufnr) }
    M.request(bufnr, 'workspace/executeCommand', { command = 'mira.applyScaffold', arguments = { args } },
      function(err, result)
        if err then
          vim.notify('mira.applyScaffold: ' .. err.message, vim.log.levels.ERROR)
        elseif result and result.applied then
          vim.notify('Mira: scaffolded ' .. n .. ' (' .. r .. ')')
        else
          vim.notify('Mira: the scaffold was not applied', vim.log.levels.WARN)
        end
        if on_done then on_done(err, result) end
      end)
  end
  local function with_name(r)
    if name and name ~= '' then return apply(r, name) end
    vim.ui.input({ prompt = 'Name of the new thing: ' }, function(n)
      if n and n ~= '' then apply(r, n) end
    end)
  end
  if recipe and recipe ~= '' then
    M.request(bufnr, 'mira/recipes', {}, function(_, result)
      if result then M.recipe_ids = vim.tbl_map(function(r) return r.id end, result.recipes) end
    end)
    return with_name(recipe)
  end
  M.request(bufnr, 'mira/recipes', {}, function(err, result)
    if err or not result or #result.recipes == 0 then
      vim.notify('Mira: ' .. (err and err.message or (result and result.note) or 'no change recipes yet'),
        vim.log.levels.WARN)
      return
    end
    M.recipe_ids = vim.tbl_map(function(r) return r.id end, result.recipes)
    vim.ui.select(result.recipes, {
      prompt = 'Scaffold which change?',
      format_item = function(r) return string.format('%s (%d commits)', r.title, r.support) end,
    }, function(choice)
      if choice then with_name(choice.id) end
    end)
  end)
end

-- -- setup ---------------------------------------------------------------------------------

--- The user commands (plugin/mira.lua defines them at startup; setup() again, harmlessly).
function M.commands()
  local function command(name, fn, opts)
    vim.api.nvim_create_user_command(name, fn, opts or {})
  end
  command('MiraChat', function(args)
    local message = args.args
    if message == '' then
      message = vim.fn.input('Ask Mira: ')
    end
    if message ~= '' then M.chat(message) end
  end, { nargs = '*' })
  command('MiraChatStop', function() M.stop() end)
  command('MiraApply', function(args) M.apply_artifact(args.args) end, {
    nargs = '?',
    complete = function(lead)
      return vim.tbl_filter(function(id) return id:sub(1, #lead) == lead end, M.artifact_order)
    end,
  })
  command('MiraScaffold', function(args)
    M.scaffold(args.fargs[1], table.concat(vim.list_slice(args.fargs, 2), ' '))
  end, {
    nargs = '*',
    complete = function(lead)
      return vim.tbl_filter(function(id) return id:sub(1, #lead) == lead end, M.recipe_ids)
    end,
  })
  -- the "New … like …" code action names this client-side command: ask for the name, apply
  vim.lsp.commands['mira.scaffold'] = function(cmd, ctx)
    local a = (cmd.arguments or {})[1] or {}
    M.scaffold(a.recipe, nil, nil, ctx and ctx.bufnr)
  end
  command('MiraCochange', function() M.cochange() end)
  command('MiraExperts', function() M.experts() end)
  command('MiraReindex', function()
    M.request(0, 'workspace/executeCommand', { command = 'mira.reindex', arguments = {} }, function() end)
  end)
end

--- require('mira').setup({ cmd = {...}, init_options = {...} })
function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', M.options, opts or {})
  M.commands()
  if has_011 and vim.lsp.config and not M.options.manual then
    vim.lsp.config('mira', M.lsp_config())
    vim.lsp.enable('mira')
    return
  end
  local group = vim.api.nvim_create_augroup('mira', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.options.filetypes,
    callback = function(args)
      if vim.bo[args.buf].buftype == '' then
        M.start(args.buf)
      end
    end,
  })
end

return M
