# bash completion for shipctl.
# Load it with:  source <(shipctl completions bash)
# The candidates (commands, options, the job's resource and field names) come
# from `shipctl __complete` at each TAB, so this file never goes stale.
# bash cuts words at the characters of COMP_WORDBREAKS (`=` and `:` among
# them): the binary is given the whole line to join them again, and answers
# only the part of each candidate that bash puts in.

_shipctl() {
    local bin=${COMP_WORDS[0]} kind typed kept line
    local -a reply=()
    bin=${bin/#\~/$HOME}
    [[ $bin == */* && -x $bin ]] || bin=shipctl
    while IFS= read -r line; do
        reply+=("$line")
    done < <("$bin" __complete bash "$COMP_CWORD" --line "$COMP_LINE" -- "${COMP_WORDS[@]}" 2>/dev/null)
    kind=${reply[0]-}
    COMPREPLY=()
    case $kind in
        files | dirs)
            # The whole path typed, and the part of it that stays on the line.
            typed=${reply[1]-} kept=${reply[2]-}
            compopt -o filenames 2>/dev/null
            while IFS= read -r line; do
                COMPREPLY+=("${line#"$kept"}")
            done < <(if [[ $kind == dirs ]]; then compgen -d -- "$typed"; else compgen -f -- "$typed"; fi)
            ;;
        values)
            # A value with characters the shell splits or expands (a key
            # `Weird Key`, a profile `[ prod ]`) goes in quoted, unless the
            # word is being typed inside quotes already.
            local c cur=${COMP_WORDS[COMP_CWORD]-}
            for c in "${reply[@]:1}"; do
                if [[ $cur != [\"\']* && $c == *[^A-Za-z0-9_.,:=@%+/-]* ]]; then
                    printf -v c '%q' "$c"
                fi
                COMPREPLY+=("$c")
            done
            ;;
    esac
}

complete -F _shipctl shipctl
