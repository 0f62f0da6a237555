/* A stand-in bcryptprimitives.dll for running shipctl.exe under Wine 8 in
 * the tests (scripts/wine-test): Rust's std asks this DLL for ProcessPrng,
 * which Wine added only in a later version; this one forwards to
 * RtlGenRandom (advapi32's SystemFunction036), which Wine 8 has. Test-only:
 * never shipped, never next to the released binary. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
