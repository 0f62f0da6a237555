# elvish completion for shipctl.
# Load it with:  eval (shipctl completions elvish | slurp)
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale.

use str

set edit:completion:arg-completer[shipctl] = {|@words|
    var reply = []
    try {
        set reply = [(e:shipctl __complete elvish (- (count $words) 1) -- $@words 2>/dev/null)]
    } catch {
        set reply = []
    }
    if (== (count $reply) 0) {
    } elif (or (eq $reply[0] files) (eq $reply[0] dirs)) {
        edit:complete-filename $words[-1]
    } else {
        for line $reply[1..] {
            var parts = [(str:split "\t" $line)]
            if (> (count $parts) 1) {
                edit:complex-candidate $parts[0] &display=$parts[0]' -- '$parts[1]
            } else {
                put $parts[0]
            }
        }
    }
}
