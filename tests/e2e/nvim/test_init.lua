-- Drives Neovim's built-in LSP client against the real Mira server through client-nvim/
-- (run by tests/e2e/test_neovim.py): hover, :MiraCochange's quickfix list, :checkhealth mira, a
-- streamed, then cancelled, mira/chat and :MiraApply of a proposed change. Everything observed
-- is written as JSON to $OUT; then quit. MIRA_TEST_ENABLE=1 starts the client with
-- vim.lsp.enable('mira') alone (0.11: lsp/mira.lua, commands from plugin/mira.lua).
local env = vim.env
local results = { version = vim.version and tostring(vim.version().major .. '.' .. vim.version().minor) or '?', errors = {} }

local function finish()
  local f = assert(io.open(env.OUT, 'w'))
  f:write(vim.fn.json_encode(results))
  f:close()
  vim.cmd('qa!')
end

vim.opt.runtimepath:append(env.MIRA_NVIM_PLUGIN)

-- after startup, as a user's session: plugin/mira.lua has been sourced by then
local function run()
  vim.cmd('filetype on')
  local mira = require('mira')
  local cmd = { env.MIRA_PYTHON, '-m', 'mira', 'serve' }
  local cmd_env = vim.fn.json_decode(env.MIRA_SERVER_ENV)
  if env.MIRA_TEST_ENABLE == '1' then
    vim.lsp.config('mira', { cmd = cmd, cmd_env = cmd_env })
    vim.lsp.enable('mira')
  else
    mira.setup({ cmd = cmd, cmd_env = cmd_env })
  end
  results.declarative = vim.fn.has('nvim-0.11') == 1
  results.commands = vim.fn.exists(':MiraApply') == 2 and vim.fn.exists(':MiraChat') == 2
  vim.cmd('edit ' .. vim.fn.fnameescape(env.MIRA_TEST_REPO .. '/' .. (env.MIRA_TEST_FILE or 'api.py')))
  local buf = vim.api.nvim_get_current_buf()
  results.attached = vim.wait(20000, function() return mira.client(buf) ~= nil end, 50)
  if not results.attached then return end

  local function sync(method, params, timeout)
    local done, e, r = false, nil, nil
    mira.request(buf, method, params, function(err_, res) e, r, done = err_, res, true end)
    vim.wait(timeout or 20000, function() return done end, 20)
    return e, r, done
  end

  -- wait until the repository is indexed
  results.indexed = vim.wait(60000, function()
    local _, status = sync('mira/status', {})
    if not status then return false end
    for _, ws in ipairs(status.workspaces) do
      for _, repo in ipairs(ws.repositories) do
        if repo.state ~= 'ready' then return false end
      end
      if #ws.repositories == 0 then return false end
    end
    return #status.workspaces > 0
  end, 100)

  local uri = vim.uri_from_bufnr(buf)
  local hover_err, hover = sync('textDocument/hover', { textDocument = { uri = uri }, position = { line = 0, character = 1 } })
  results.hover = hover and hover.contents and (hover.contents.value or hover.contents) or vim.NIL
  results.hover_error = hover_err and hover_err.message or vim.NIL

  -- the API call without a window first, then the command, whose answer opens the quickfix
  -- window asynchronously: wait for that window, or it takes focus under the next step
  local cochange_done = false
  mira.cochange(buf, false, function() cochange_done = true end)
  vim.wait(20000, function() return cochange_done end, 20)
  vim.cmd('MiraCochange')
  results.quickfix_opened = vim.wait(20000, function() return vim.fn.getqflist({ winid = 0 }).winid ~= 0 end, 20)
  results.quickfix = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(results.quickfix, { file = vim.fn.fnamemodify(vim.fn.bufname(item.bufnr), ':t'), text = item.text })
  end
  results.quickfix_title = vim.fn.getqflist({ title = 1 }).title
  vim.cmd('cclose')
  vim.api.nvim_set_current_buf(buf)

  vim.cmd('checkhealth mira')
  results.health = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  vim.cmd('bwipeout!')
  vim.api.nvim_set_current_buf(buf)

  if env.MIRA_TEST_SCAFFOLD == '1' then
    -- :MiraScaffold RECIPE NAME, then the code action's client command with a typed name
    local _, listed = sync('mira/recipes', {})
    local recipe
    for _, r in ipairs(listed and listed.recipes or {}) do
      if r.files[1] == 'src/app/handlers/{{snake}}.py' then recipe = r.id end
    end
    results.recipe = recipe or vim.NIL
    local root = env.MIRA_TEST_REPO
    local function lines_of(path)
      local b = vim.fn.bufnr(root .. '/' .. path)
      return b ~= -1 and table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') or vim.NIL
    end
    if recipe then
      vim.cmd('MiraScaffold ' .. recipe .. ' cart_items')
      vim.wait(20000, function() return vim.fn.bufnr(root .. '/tests/test_cart_items.py') ~= -1 end, 20)
      results.scaffold = {
        handler = lines_of('src/app/handlers/cart_items.py'),
        test = lines_of('tests/test_cart_items.py'),
        registry = lines_of('src/app/handlers/__init__.py'),
      }
      vim.ui.input = function(_, on_confirm) on_confirm('refunds') end
      vim.lsp.commands['mira.scaffold']({ command = 'mira.scaffold', arguments = { { recipe = recipe, uri = uri } } },
        { bufnr = buf })
      vim.wait(20000, function() return vim.fn.bufnr(root .. '/src/app/handlers/refunds.py') ~= -1 end, 20)
      results.scaffold.prompted = lines_of('src/app/handlers/refunds.py')
      vim.wait(10000, function() return #vim.fn.getcompletion('MiraScaffold ', 'cmdline') > 0 end, 50)
      results.completion = vim.fn.getcompletion('MiraScaffold ', 'cmdline')
      -- :MiraRefine through the Lua API (the scripted model answers with a valid refinement)
      local refined
      mira.refine(recipe, function(e, r) refined = { err = e and e.message or vim.NIL, result = r or vim.NIL } end)
      vim.wait(30000, function() return refined ~= nil end, 20)
      results.refined = refined or vim.NIL
    end
  end

  if env.MIRA_TEST_CHAT == '1' then
    vim.api.nvim_set_current_buf(buf)
    local chat = mira.chat('why do api.py and client.py change together?', { bufnr = buf })
    vim.wait(60000, function() return chat.state ~= 'streaming' end, 20)
    results.chat = {
      state = chat.state, text = chat.text, partials = chat.partials, error = chat.error or vim.NIL,
      code = chat.code or vim.NIL, tools = {},
      buffer = table.concat(vim.api.nvim_buf_get_lines(chat.buf, 0, -1, false), '\n'),
    }
    for _, step in ipairs(chat.steps) do
      if step.kind == 'tool' then
        table.insert(results.chat.tools, { name = step.name, ok = step.result and step.result.ok or vim.NIL })
      end
    end
    if chat.state == 'completed' then
      vim.api.nvim_set_current_buf(buf)
      local slow = mira.chat('tell me the whole story slowly', { bufnr = buf })
      vim.wait(30000, function() return slow.partials > 0 or slow.state ~= 'streaming' end, 20)
      results.stop_after_partials = slow.partials
      vim.cmd('MiraChatStop')
      vim.wait(30000, function() return slow.state ~= 'streaming' end, 20)
      vim.wait(500, function() return false end, 50) -- a late response must not change the state
      results.stop = { state = slow.state, partials = slow.partials }

      -- a proposed change, applied to the buffer with :MiraApply (from the chat buffer)
      vim.api.nvim_set_current_buf(buf)
      local propose = mira.chat('add a version constant to api.py', { bufnr = buf })
      vim.wait(30000, function() return propose.state ~= 'streaming' end, 20)
      results.proposed = { state = propose.state, error = propose.error or vim.NIL,
                           artifacts = #mira.artifact_order }
      if propose.state == 'completed' then
        vim.api.nvim_set_current_buf(propose.buf)
        local before = vim.api.nvim_buf_get_changedtick(buf)
        vim.cmd('MiraApply')
        vim.wait(20000, function() return vim.api.nvim_buf_get_changedtick(buf) ~= before end, 20)
        results.applied = {
          text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'),
          modified = vim.bo[buf].modified,
        }
      end

      -- what Mira learned: :MiraFeedback, :MiraReasoning, :MiraProfile (the user commands)
      local function buffer_text(name, pattern)
        local text
        vim.wait(20000, function()
          local b = vim.fn.bufnr(name)
          text = b ~= -1 and table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') or ''
          return text:find(pattern) ~= nil
        end, 20)
        return text
      end
      vim.api.nvim_set_current_buf(buf)
      vim.cmd('MiraRelated')
      results.related = buffer_text('mira://related', 'asked')
      local rated
      mira.feedback('up', function(e, r) rated = { err = e and e.message or vim.NIL, result = r } end)
      vim.wait(20000, function() return rated ~= nil end, 20)
      results.feedback = rated or vim.NIL
      vim.cmd('MiraReasoning')
      results.reasoning_list = buffer_text('mira://reasoning', '%d+%. ')
      local id = results.reasoning_list:match('\n(%d+)%. ')
      results.pattern_ids = mira.pattern_ids
      if id then
        vim.cmd('MiraReasoning show ' .. id)
        results.reasoning_show = buffer_text('mira://reasoning', 'Suggested Approach')
      end
      vim.cmd('MiraProfile set style be concise')
      results.profile_set = buffer_text('mira://profile', 'be concise')
      vim.cmd('MiraProfile correct 1 be very concise')
      results.profile_corrected = buffer_text('mira://profile', 'be very concise')
      vim.cmd('MiraProfile forget all')
      results.profile_forgotten = buffer_text('mira://profile', 'Nothing yet')
      if id then
        local gone
        mira.reasoning('forget', id, function(_, r) gone = r end)
        vim.wait(20000, function() return gone ~= nil end, 20)
        vim.cmd('MiraReasoning list')
        results.reasoning_after = buffer_text('mira://reasoning', 'None yet')
      end
      results.learning_commands = vim.fn.exists(':MiraReasoning') == 2 and vim.fn.exists(':MiraProfile') == 2
        and vim.fn.exists(':MiraFeedback') == 2 and vim.fn.exists(':MiraRefine') == 2
        and vim.fn.exists(':MiraRelated') == 2
    end
  end
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  nested = true, -- :edit inside fires FileType, which starts the client
  callback = function()
    local ok, err = xpcall(run, debug.traceback)
    if not ok then
      table.insert(results.errors, tostring(err))
    end
    finish()
  end,
})
