-- Mira for Neovim 0.7+: starts `mira serve` with the built-in LSP client and adds
-- :MiraChat (streams mira/chat into a scratch buffer), :MiraChatStop, :MiraApply, :MiraFeedback
-- (thumbs up/down on the last answer), :MiraCochange (quickfix), :MiraExperts, :MiraScaffold and
-- :MiraRefine (change recipes), :MiraReasoning, :MiraProfile (what Mira learned) and
-- :MiraRelated (earlier conversations about the file). Hover,
-- CodeLens, code actions and diagnostics need nothing extra.
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
      M.last_answer = chat
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

-- -- what Mira learned: reasoning patterns, the profile, feedback, recipe refinement ----------

local function any_buffer(bufnr)
  bufnr = (bufnr and bufnr ~= 0) and bufnr or vim.api.nvim_get_current_buf()
  if not M.client(bufnr) then
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if M.client(b) then return b end
    end
  end
  return bufnr
end

--- Show lines in the named scratch buffer (reused), in a split.
local function scratch(name, lines)
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.bo[buf].filetype = 'markdown'
    vim.bo[buf].bufhidden = 'hide'
    pcall(vim.api.nvim_buf_set_name, buf, name)
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

local function percent(x)
  return string.format('%d %%', math.floor(x * 100 + 0.5))
end

function M.pattern_line(p)
  local rate = p.successRate ~= nil and p.successRate ~= vim.NIL and (percent(p.successRate) .. ' success')
    or 'no outcome yet'
  return string.format('%d. %s — %s%s · used %d×', p.id, p.title, p.source == 'recipe' and 'from a recipe · ' or '',
    rate, p.uses)
end

M.pattern_ids = {} -- for :MiraReasoning's completion, from the last list

--- mira/reasoning: action 'list' (a mira://reasoning buffer), 'show' ID (its Suggested
--- Approach) or 'forget' ID. on_done(err, result).
function M.reasoning(action, id, on_done)
  action = (action and action ~= '') and action or 'list'
  local params = { action = action, id = tonumber(id) }
  if action ~= 'list' and not params.id then
    vim.notify('Mira: :MiraReasoning ' .. action .. ' needs a pattern id', vim.log.levels.WARN)
    return
  end
  M.request(any_buffer(), 'mira/reasoning', params, function(err, result)
    if err or not result then
      vim.notify('mira/reasoning: ' .. (err and err.message or 'no result'), vim.log.levels.WARN)
    elseif action == 'list' then
      M.pattern_ids = vim.tbl_map(function(p) return tostring(p.id) end, result.patterns)
      local lines = { '# Reasoning patterns', '',
        '_:MiraReasoning show ID · :MiraReasoning forget ID_', '' }
      for _, p in ipairs(result.patterns) do table.insert(lines, M.pattern_line(p)) end
      if #result.patterns == 0 then
        table.insert(lines, 'None yet: rate a good answer with :MiraFeedback up, or apply a proposed change.')
      end
      scratch('mira://reasoning', lines)
    elseif action == 'show' then
      local p = result.patterns[1]
      local lines = { '<!-- ' .. M.pattern_line(p) .. ' -->' }
      vim.list_extend(lines, vim.split(p.markdown or '', '\n', { plain = true }))
      scratch('mira://reasoning', lines)
    else
      vim.notify(result.removed and ('Mira: forgot pattern ' .. id) or ('Mira: no pattern ' .. id))
    end
    if on_done then on_done(err, result) end
  end)
end

M.fact_keys = {}       -- keys of the facts last listed, in their order (:MiraProfile's numbers)
M.fact_categories = {}

-- A fact by its number in the last list (keys have spaces: "style:be concise"), or its key.
local function fact_key(arg)
  local n = tonumber(arg)
  return n and M.fact_keys[n] or arg
end

--- mira/profile: action 'list' (a mira://profile buffer), 'set' CATEGORY VALUE, 'correct'
--- N VALUE (keeps the fact's category) or 'forget' N|all; N is the fact's number in the last
--- list (or its key). on_done(err, result).
function M.profile(action, args, on_done)
  action = (action and action ~= '') and action or 'list'
  args = args or {}
  local params = { action = action }
  if action == 'set' then
    params.category, params.value = args[1], table.concat(vim.list_slice(args, 2), ' ')
  elseif action == 'correct' then
    local key = fact_key(args[1])
    params.action, params.key, params.value = 'set', key, table.concat(vim.list_slice(args, 2), ' ')
    params.category = M.fact_categories[key] or (key or ''):match('^(%w+):') or 'preference'
  elseif action == 'forget' then
    params.key = fact_key(args[1])
  elseif action ~= 'list' then
    vim.notify('Mira: :MiraProfile [list | set CATEGORY VALUE | correct KEY VALUE | forget KEY|all]',
      vim.log.levels.WARN)
    return
  end
  M.request(any_buffer(), 'mira/profile', params, function(err, result)
    if err or not result then
      vim.notify('mira/profile: ' .. (err and err.message or 'no result'), vim.log.levels.WARN)
    else
      M.fact_keys, M.fact_categories = {}, {}
      local lines = { '# What Mira knows about you', '',
        '_:MiraProfile set CATEGORY VALUE · correct N VALUE · forget N|all_', '' }
      for i, f in ipairs(result.facts) do
        table.insert(M.fact_keys, f.key)
        M.fact_categories[f.key] = f.category
        table.insert(lines, string.format('%d. %s: %s (%s)', i, f.category, f.value,
          f.source == 'user' and 'set by you' or (percent(f.confidence) .. ' sure')))
      end
      if #result.facts == 0 then table.insert(lines, 'Nothing yet: say "I prefer …" in :MiraChat.') end
      scratch('mira://profile', lines)
    end
    if on_done then on_done(err, result) end
  end)
end

--- mira/feedback on the latest chat answer: 'up' teaches Mira the approach, 'down' counts
--- against the pattern it suggested.
function M.feedback(rating, on_done)
  local chat = M.last_answer
  if rating ~= 'up' and rating ~= 'down' then
    vim.notify('Mira: :MiraFeedback up|down', vim.log.levels.WARN)
    return
  end
  if not chat or not chat.result or not chat.result.operationId then
    vim.notify('Mira: no answer to rate yet (:MiraChat)', vim.log.levels.WARN)
    return
  end
  M.request(any_buffer(), 'mira/feedback', { operationId = chat.result.operationId, rating = rating },
    function(err, result)
      if err then
        vim.notify('mira/feedback: ' .. err.message, vim.log.levels.WARN)
      else
        chat.rating = rating
        vim.notify(rating == 'up' and result.patternId and result.patternId ~= vim.NIL
          and ('Mira: thanks — learned this approach (pattern ' .. result.patternId .. ')')
          or 'Mira: thanks for the feedback')
      end
      if on_done then on_done(err, result) end
    end)
end

--- mira/memoryRelations: the earlier conversations about a file, in a mira://related buffer
--- (each chat's question, answer and what they relate to: files, facts, patterns).
function M.related(bufnr, on_done)
  bufnr = (bufnr and bufnr ~= 0) and bufnr or vim.api.nvim_get_current_buf()
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':.')
  M.request(bufnr, 'mira/memoryRelations', { textDocument = { uri = vim.uri_from_bufnr(bufnr) } },
    function(err, result)
      if err or not result then
        vim.notify('mira/memoryRelations: ' .. (err and err.message or 'no result'), vim.log.levels.WARN)
      else
        local lines = { '# Conversations about ' .. name, '' }
        for _, m in ipairs(result.messages) do
          local links = {}
          for _, ln in ipairs(m.links) do
            table.insert(links, ln.relation .. ' ' .. ln.kind .. ' ' .. ln.target)
          end
          table.insert(lines, string.format('- %s %s: %s', m.ts:sub(1, 10),
            m.role == 'user' and 'asked' or 'answered', m.excerpt))
          if #links > 0 then table.insert(lines, '  _' .. table.concat(links, ' · ') .. '_') end
        end
        if #result.messages == 0 then table.insert(lines, 'No conversation about this file yet.') end
        scratch('mira://related', lines)
      end
      if on_done then on_done(err, result) end
    end)
end

--- mira/refineRecipe: the configured model refines a recipe's templates (a new version).
function M.refine(recipe, on_done)
  if not recipe or recipe == '' then
    vim.notify('Mira: :MiraRefine RECIPE_ID', vim.log.levels.WARN)
    return
  end
  vim.notify('Mira: the model is refining ' .. recipe .. '…')
  M.request(any_buffer(), 'mira/refineRecipe', { recipe = recipe }, function(err, result)
    if err then
      vim.notify('mira/refineRecipe: ' .. err.message, vim.log.levels.WARN)
    else
      vim.notify(string.format('Mira: %s is now version %d: %s', result.recipe.title, result.recipe.version,
        result.note))
    end
    if on_done then on_done(err, result) end
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
  local function completer(list)
    return function(lead) return vim.tbl_filter(function(x) return x:sub(1, #lead) == lead end, list()) end
  end
  command('MiraReasoning', function(args) M.reasoning(args.fargs[1], args.fargs[2]) end, {
    nargs = '*',
    complete = function(lead, line)
      if #vim.split(line, '%s+') <= 2 then return completer(function() return { 'list', 'show', 'forget' } end)(lead) end
      return completer(function() return M.pattern_ids end)(lead)
    end,
  })
  command('MiraProfile', function(args) M.profile(args.fargs[1], vim.list_slice(args.fargs, 2)) end, {
    nargs = '*',
    complete = function(lead, line)
      local words = #vim.split(line, '%s+')
      if words <= 2 then return completer(function() return { 'list', 'set', 'correct', 'forget' } end)(lead) end
      if words == 3 and line:match('^%S+%s+set') then
        return completer(function() return { 'preference', 'stack', 'style' } end)(lead)
      end
      local numbers = { 'all' }
      for i = 1, #M.fact_keys do table.insert(numbers, tostring(i)) end
      return words == 3 and completer(function() return numbers end)(lead) or {}
    end,
  })
  command('MiraRelated', function() M.related() end)
  command('MiraFeedback', function(args) M.feedback(args.args) end, {
    nargs = 1, complete = function() return { 'up', 'down' } end,
  })
  command('MiraRefine', function(args) M.refine(args.args) end, {
    nargs = 1, complete = completer(function() return M.recipe_ids end),
  })
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
