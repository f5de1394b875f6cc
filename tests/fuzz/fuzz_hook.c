/* fuzz_hook.c: libFuzzer target for what `proctor hook` parses from the
 * agent: any bytes as a Bash tool command line (split into simple commands
 * and redirections, each judged), as a Codex apply_patch body, and as a file path, against a fixed
 * policy with exec and files rules. `make fuzz-hook`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/static_eval.h"

static const char policy_text[] =
	"files:\n  deny:\n    - path: \"~/.ssh/**\"\n  write_only_under: [\"${workspace}/**\"]\n"
	"exec:\n  deny:\n    - argv: [git, push, \"--force*\", \"**\"]\n    - path: /usr/bin/tee\n"
	"  allow_only: [\"/usr/bin/**\", \"/bin/**\"]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	static int loaded;
	static const struct policy_env env = {.home = "/home/u", .workspace = "/work/ws"};
	struct se_verdict v;
	char err[1024], *s;

	if (!loaded) {
		if (policy_load_env("fuzz.yaml", policy_text, strlen(policy_text), &env, &p, err,
				    sizeof(err)))
			abort();
		loaded = 1;
	}
	se_eval_shell(&p, (const char *)data, size, "/work/ws", "/usr/bin:/bin", &v, err,
		      sizeof(err));
	se_eval_patch(&p, (const char *)data, size, "/work/ws", &v, err, sizeof(err));
	if ((s = malloc(size + 1))) {
		memcpy(s, data, size);
		s[size] = 0;
		se_eval_file(&p, s, "/work/ws", true, &v);
		se_eval_file(&p, s, "/work/ws", false, &v);
		free(s);
	}
	return 0;
}
