/* fuzz_redact_rules.c: libFuzzer target for the gitleaks rule-file parser
 * (redact_rules.c): any bytes either load or are refused with a message;
 * what loads is then run over the input itself and a sample line, and
 * every redacted argv/record path is exercised. Seeds:
 * tests/fuzz/corpus/redact_rules/. Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/redact_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sample[] = "curl -H 'Authorization: Bearer abc' corp_0123456789abcdef "
				     "password=Xk9#mQ2$vL key=testfake1";
	struct strbuf out = STRBUF_INIT;
	struct redactor *rd = redactor_new(false);
	char err[512], *s;

	if (!rd)
		return 0;
	if (redact_rules_parse(rd, "fuzz.toml", (const char *)data, size, err, sizeof(err)) > 0 &&
	    (s = malloc(size + 1))) {
		const char *argv[] = {"sh", "-c", sample, s};
		struct record r;
		memcpy(s, data, size);
		s[size] = 0;
		redact_string(rd, sample, &out, NULL, NULL, 0);
		redact_string(rd, s, &out, NULL, NULL, 0);
		record_init(&r);
		record_begin(&r, 1, "process.exec", 1);
		record_add_strv(&r, "process.command_args", argv, 4);
		record_add_str(&r, "process.command_line", sample);
		redact_record(rd, &r);
		record_free(&r);
		free(s);
	}
	sb_free(&out);
	redactor_free(rd);
	return 0;
}
