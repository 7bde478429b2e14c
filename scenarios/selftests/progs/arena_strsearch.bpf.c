/* Equivalent of the upstream arena_strsearch selftest (written for this project, with its own
 * matcher and its own cases): a table of glob cases lives in an __arena global (copied into the
 * arena by libbpf); the program walks it with a strlen over arena memory and matches each
 * pattern against its string with a backtracking glob matcher ('?', '*', classes with ranges,
 * '!' negation and a leading ']' taken literally) that reads both only through arena pointers.
 * It returns (cases << 16) | failures. */
#include "bpf_arena.h"

ARENA_MAP(arena, 100, 0);

/* unsigned: v6.13's verifier refuses sign-extending loads from the arena */
typedef unsigned char uchar;

#define MAX_LEN 64
#define MAX_STEPS 512
#define MAX_CASES 128

static __always_inline int arena_strlen(const uchar __arena *s)
{
	int n;

	for (n = 0; n < MAX_LEN; n++)
		if (!s[n])
			break;
	return n;
}

/* Whether c is in the class starting at pat[*at] (just after '['); *at ends just after ']'. */
static __always_inline int class_match(const uchar __arena *pat, int *at, uchar c)
{
	int q = *at, neg = 0, hit = 0, first = 1, k;

	if (pat[q] == '!') {
		neg = 1;
		q++;
	}
	for (k = 0; k < MAX_LEN; k++) {
		uchar e = pat[q];

		if (!e)
			break;
		if (e == ']' && !first)
			break;
		first = 0;
		if (pat[q + 1] == '-' && pat[q + 2] && pat[q + 2] != ']') {
			if (c >= e && c <= pat[q + 2])
				hit = 1;
			q += 3;
		} else {
			if (c == e)
				hit = 1;
			q++;
		}
	}
	*at = q + 1;
	return hit != neg;
}

static __always_inline int glob(const uchar __arena *pat, const uchar __arena *str)
{
	int p = 0, s = 0, star_p = -1, star_s = 0, k;

	for (k = 0; k < MAX_STEPS; k++) {
		uchar d = pat[p], c = str[s];
		int next = p + 1, ok;

		if (d == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (!c)
			return !d;
		if (d == '?') {
			ok = 1;
		} else if (d == '[') {
			next = p + 1;
			ok = class_match(pat, &next, c);
		} else {
			ok = d && d == c;
		}
		if (ok) {
			p = next;
			s++;
			continue;
		}
		if (star_p < 0)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	return 0;
}

/* Cases: expected result ('1' or '0'), pattern, string, each NUL-terminated; a final NUL ends it. */
static const uchar __arena cases[] =
	"1" "abc\0" "abc\0"
	"0" "abc\0" "abd\0"
	"0" "abc\0" "ab\0"
	"0" "ab\0" "abc\0"
	"1" "\0" "\0"
	"0" "\0" "x\0"
	"0" "x\0" "\0"
	"1" "?\0" "z\0"
	"0" "?\0" "\0"
	"1" "a?c\0" "axc\0"
	"0" "a?c\0" "ac\0"
	"1" "???\0" "xyz\0"
	"0" "???\0" "xy\0"
	"1" "*\0" "\0"
	"1" "*\0" "anything\0"
	"1" "a*\0" "a\0"
	"1" "a*\0" "abcdef\0"
	"0" "a*\0" "ba\0"
	"1" "*z\0" "z\0"
	"1" "*z\0" "xyz\0"
	"0" "*z\0" "zy\0"
	"1" "a*z\0" "az\0"
	"1" "a*z\0" "abcz\0"
	"1" "a*z\0" "azzz\0"
	"0" "a*z\0" "azy\0"
	"1" "*ab*\0" "xxabyy\0"
	"1" "*ab*ab*\0" "abab\0"
	"0" "*ab*ab*\0" "aab\0"
	"1" "*a*b*c*\0" "xaybzc\0"
	"0" "*a*b*c*\0" "cba\0"
	"1" "*aab\0" "aaaab\0"
	"1" "*x?z\0" "xyxzxaz\0"
	"0" "*x?z\0" "xyxzxz\0"
	"1" "[xyz]\0" "y\0"
	"0" "[xyz]\0" "w\0"
	"1" "[!xyz]\0" "w\0"
	"0" "[!xyz]\0" "x\0"
	"1" "[0-9][0-9]\0" "42\0"
	"0" "[0-9][0-9]\0" "4a\0"
	"1" "[a-cx-z]\0" "y\0"
	"0" "[a-cx-z]\0" "m\0"
	"1" "[a-c-]\0" "-\0"
	"1" "[]x]\0" "]\0"
	"1" "[]x]\0" "x\0"
	"0" "[]x]\0" "y\0"
	"1" "[!]x]\0" "y\0"
	"0" "[!]x]\0" "]\0"
	"1" "*[0-9]\0" "build7\0"
	"0" "*[0-9]\0" "build\0"
	"1" "v[0-9].*\0" "v6.13\0"
	"1" "*.[ch]\0" "arena.c\0"
	"0" "*.[ch]\0" "arena.o\0"
	"1" "?*?\0" "ab\0"
	"0" "?*?\0" "a\0";

SEC("syscall")
int arena_strsearch(void *ctx)
{
	const uchar __arena *p = cases;
	int n = 0, failures = 0;

	for (n = 0; n < MAX_CASES && *p; n++) {
		int expected = *p++ == '1';
		const uchar __arena *pat = p;
		const uchar __arena *str;

		p += arena_strlen(p) + 1;
		str = p;
		p += arena_strlen(p) + 1;
		if (glob(pat, str) != expected)
			failures++;
	}
	return (n << 16) | failures;
}
