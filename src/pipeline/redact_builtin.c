/* redact_builtin.c: the built-in secret rules, one entry per key format.
 * Each provider's real shape (prefix, alphabet, length) so that ordinary
 * words never match; names are what `redaction.rules` and the marker
 * "[REDACTED:NAME]" show. Ordered: specific token shapes first, generic
 * name=value pairs last (a pair whose value is already a marker is left
 * alone). Hints are lower-case substrings one of which must occur for the
 * rule to run (redact.c's prefilter). */
#include "pipeline/redact_builtin.h"

/* Not preceded / followed by a character of the key's own alphabet. */
#define NB   "(?<![A-Za-z0-9])"
#define NA   "(?![A-Za-z0-9])"
#define NBX  "(?<![A-Za-z0-9_-])"
#define WORD "(?:[A-Za-z0-9]+[_-])*"
/* A value that is a shell variable reference ($NAME, ${NAME}) is no secret. */
#define NOREF "(?!\\$[A-Za-z_{])"

const struct redact_builtin redact_builtins[] = {
	{"private_key",
	 "-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?"
	 "(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\\z)",
	 0,
	 false,
	 {"private key"}},
	/* LLM providers */
	{"anthropic_key", "sk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_-]{32,}", 0, false, {"sk-ant-"}},
	{"openrouter_key", "sk-or-v1-[0-9a-f]{64}", 0, false, {"sk-or-v1-"}},
	{"openai_key",
	 NBX "sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{48}" NA ")",
	 0,
	 false,
	 {"sk-"}},
	{"deepseek_key", NBX "sk-[0-9a-f]{32}" NA, 0, false, {"sk-"}},
	{"google_api_key", "AIza[0-9A-Za-z_-]{35}", 0, false, {"aiza"}},
	{"huggingface_token",
	 NB "(?:hf|api_org)_[A-Za-z0-9]{34}" NA,
	 0,
	 false,
	 {"hf_", "api_org_"}},
	{"xai_key", NB "xai-[A-Za-z0-9]{80}" NA, 0, false, {"xai-"}},
	{"groq_key", NB "gsk_[A-Za-z0-9]{52}" NA, 0, false, {"gsk_"}},
	{"mistral_key",
	 "mistral[A-Za-z0-9_.-]{0,20}[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9]{32})" NA,
	 1,
	 true,
	 {"mistral"}},
	{"perplexity_key", NB "pplx-[A-Za-z0-9]{48}" NA, 0, false, {"pplx-"}},
	{"replicate_token", NB "r8_[A-Za-z0-9]{37}" NA, 0, false, {"r8_"}},
	/* cloud, payment and package registries */
	{"aws_access_key",
	 "(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}",
	 0,
	 false,
	 {"akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa"}},
	{"aws_secret_key",
	 "aws_?secret_?(?:access_?)?key[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+=]{40})",
	 1,
	 true,
	 {"secret"}},
	{"azure_storage_key", "(?i:AccountKey)=([A-Za-z0-9+/]{86}==)", 1, false, {"accountkey="}},
	{"azure_sas_token", "[?&]sig=([A-Za-z0-9%+/=]{40,})", 1, false, {"sig="}},
	{"azure_client_secret",
	 "(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
	 0,
	 false,
	 {"q~"}},
	{"azure_devops_pat", NB "[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}" NA, 0, false, {"azdo"}},
	{"stripe_key",
	 "(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}",
	 0,
	 false,
	 {"sk_live_", "sk_test_", "rk_live_", "rk_test_"}},
	{"npm_token", NB "npm_[A-Za-z0-9]{36}" NA, 0, false, {"npm_"}},
	{"pypi_token", "pypi-AgE[A-Za-z0-9_-]{50,}", 0, false, {"pypi-age"}},
	{"docker_token", "dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}", 0, false, {"dckr_"}},
	/* source hosting, chat, web tokens */
	{"github_token",
	 "(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}",
	 0,
	 false,
	 {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}},
	{"github_token", "github_pat_[A-Za-z0-9_]{20,}", 0, false, {"github_pat_"}},
	{"gitlab_token",
	 "gl(?:pat|dt|ptt|rt|cbt|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}",
	 0,
	 false,
	 {"gl"}},
	{"slack_token", "xox[abposre]-[A-Za-z0-9-]{10,}", 0, false, {"xox"}},
	{"slack_webhook",
	 "hooks\\.slack\\.com/services/[A-Za-z0-9/_-]+",
	 0,
	 false,
	 {"hooks.slack.com"}},
	{"jwt", "eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*", 0, false, {"eyj"}},
	{"bearer_token", "bearer\\s+([A-Za-z0-9._~+/=-]{8,})", 1, true, {"bearer"}},
	{"basic_auth", "basic\\s+([A-Za-z0-9+/=]{8,})", 1, true, {"basic"}},
	{"url_credentials", "[A-Za-z][A-Za-z0-9+.-]*://[^/:@\\s]*:([^/@\\s]+)@", 1, false, {"://"}},
	/* generic: flags and name=value pairs */
	{"secret_argument",
	 "(?:^|\\s)--?" WORD "(?:password|passwd|passphrase|pass|secret|token|api[_-]?key|apikey|"
	 "access[_-]?key|client[_-]?secret|auth)\\s+([^\\s-]\\S*)",
	 1,
	 true,
	 {"pass", "secret", "token", "key", "auth"}},
	{"password_pair",
	 "(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|"
	 "private[_-]?key|client[_-]?secret|credentials?|auth)[\"']?\\s*[=:]\\s*[\"']?"
	 NOREF "([^\\s\"'&;,]+)",
	 1,
	 true,
	 {"pass", "secret", "token", "key", "auth", "credential"}},
	/* NAME=value where NAME's last word says key, token, secret or password
	 * (OPENAI_API_KEY, HF_TOKEN, STRIPE_KEY, DB_PASS); not PWD, not
	 * TOKENIZERS_PARALLELISM, not --sort-key=name, not KEY=$OTHER. */
	{"env_secret",
	 "(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9]+_)*(?:(?:api|secret|access|auth|private|signing|"
	 "master|session|refresh|bearer|deploy|service)?(?:key|token)s?|secrets?|password|passwd|"
	 "pass|passphrase|credentials?)=[\"']?" NOREF "([^\\s\"']+)",
	 1,
	 true,
	 {"key", "token", "secret", "pass", "credential"}},
};

const size_t redact_nbuiltins = sizeof(redact_builtins) / sizeof(redact_builtins[0]);

const char redact_secret_flag_re[] =
	"^--?" WORD "(?:password|passwd|passphrase|pass|secret|token|api[_-]?key|apikey|"
	"access[_-]?key|client[_-]?secret|auth)$";
