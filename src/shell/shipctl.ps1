# PowerShell completion for shipctl.
# Load it with:  shipctl completions powershell | Out-String | Invoke-Expression
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale. Where
# a path is expected it answers nothing and PowerShell completes the path.

Register-ArgumentCompleter -Native -CommandName shipctl -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.ToString() })
    $cword = $words.Count
    if ($wordToComplete -ne '') { $cword -= 1 }
    $reply = @(& shipctl __complete powershell $cword '--' @words 2>$null)
    if ($reply.Count -lt 1 -or $reply[0] -ne 'values') { return }
    $reply | Select-Object -Skip 1 | ForEach-Object {
        $value, $help = $_ -split "`t", 2
        if (-not $help) { $help = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
    }
}
