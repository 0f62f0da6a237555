/* Test-only (scripts/wine-test; never shipped): start a Windows program
 * under Wine with the Unix $HOME of the test as its HOME and USERPROFILE.
 *
 * Wine passes no HOME to Windows programs, and gives them the USERPROFILE
 * of its prefix (C:\users\<user>) whatever the caller set; a test that
 * gives shipctl.exe a home folder of its own (~/.aws, ~/.docker) would
 * never reach it. The runner (target/wine/bin/wine-run) passes $HOME as
 * SHIPCTL_WINE_HOME; this sets HOME and USERPROFILE from it, removes it,
 * and starts the rest of its command line as it is, with its standard
 * handles; its exit code is the program's (126: could not start it, after
 * a few tries).
 */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    static wchar_t home[32768];
    wchar_t *cmd = GetCommandLineW();
    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi;
    DWORD n, code = 126;

    /* Our own name, then the blanks after it. */
    if (*cmd == L'"') {
        for (cmd++; *cmd && *cmd != L'"'; cmd++)
            ;
        if (*cmd)
            cmd++;
    } else {
        while (*cmd && *cmd != L' ' && *cmd != L'\t')
            cmd++;
    }
    while (*cmd == L' ' || *cmd == L'\t')
        cmd++;

    n = GetEnvironmentVariableW(L"SHIPCTL_WINE_HOME", home, sizeof home / sizeof *home);
    if (n > 0 && n < sizeof home / sizeof *home) {
        SetEnvironmentVariableW(L"HOME", home);
        SetEnvironmentVariableW(L"USERPROFILE", home);
    }
    SetEnvironmentVariableW(L"SHIPCTL_WINE_HOME", NULL);

    /* Under load Wine now and then fails a start that works the next
     * time: a few tries, then the error said on stderr. */
    for (n = 0; !CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi); n++) {
        if (n == 4) {
            fprintf(stderr, "sethome.exe: CreateProcess failed (error %lu)\n", GetLastError());
            return 126;
        }
        Sleep(200);
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}
