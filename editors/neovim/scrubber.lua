-- scrubber's language server in Neovim 0.11 or later. Put this file in ~/.config/nvim/plugin/
-- (or paste it into init.lua). It needs `scrubber lsp` on the PATH Neovim sees:
--   pip install 'charge-scrubber[lsp]'
-- Then open a .rules or .test file: problems appear as you type; K shows what a word is,
-- <C-]> (or :lua vim.lsp.buf.definition()) goes to its definition, <C-x><C-o> completes, and
-- :lua vim.lsp.buf.format() lays the file out as `scrubber fmt` does.

vim.filetype.add({ extension = { rules = "scrubber", test = "scrubbertest" } })

vim.lsp.config("scrubber", {
  cmd = { "scrubber", "lsp" },
  filetypes = { "scrubber", "scrubbertest" },
  -- a rules folder is checked as one; the project root is where pyproject.toml or .git is
  root_markers = { "scrubber.toml", "pyproject.toml", ".git" },
})
vim.lsp.enable("scrubber")

-- Neovim 0.11 shows problems as signs and underlines only; this adds the words at the line's end.
vim.diagnostic.config({ virtual_text = true })

-- For Neovim 0.8 to 0.10 (no vim.lsp.config), instead of the lines above:
--
-- vim.filetype.add({ extension = { rules = "scrubber", test = "scrubbertest" } })
-- vim.api.nvim_create_autocmd("FileType", {
--   pattern = { "scrubber", "scrubbertest" },
--   callback = function(args)
--     local root = vim.fs.find({ "scrubber.toml", "pyproject.toml", ".git" },
--       { upward = true, path = vim.api.nvim_buf_get_name(args.buf) })[1]
--     vim.lsp.start({ name = "scrubber", cmd = { "scrubber", "lsp" },
--       root_dir = root and vim.fs.dirname(root) or vim.fn.getcwd() })
--   end,
-- })
