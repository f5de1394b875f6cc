/* fuzz_otlp_receiver.c: libFuzzer target for the OTLP receiver's body
 * parser (src/otlp/telemetry*.c): any input, as logs and as metrics, as
 * protobuf and as JSON, is parsed or refused with a message, never a crash
 * or a leak. Seeded from tests/fuzz/corpus/otlp_receiver/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "otlp/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tele_signal sig[] = {TELE_LOGS, TELE_METRICS};
	static const enum tele_format fmt[] = {TELE_PROTOBUF, TELE_JSON};
	struct tele_list l;
	char err[256];
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			tele_list_init(&l);
			err[0] = 0;
			if (tele_parse(sig[i], fmt[j], data, size, &l, err, sizeof(err)) &&
			    (!err[0] || l.n))
				__builtin_trap(); /* a refusal says why and appends nothing */
			tele_list_free(&l);
		}
	return 0;
}
