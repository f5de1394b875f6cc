/* telemetry_int.h: what the protobuf (telemetry.c) and JSON
 * (telemetry_json.c) readers of agent telemetry share. */
#ifndef PROCTOR_OTLP_TELEMETRY_INT_H
#define PROCTOR_OTLP_TELEMETRY_INT_H
#include "otlp/telemetry.h"

/* An attribute value, whichever encoding it came in. */
struct aval {
	char t; /* 's' string, 'i' int, 'd' double, 'b' bool, 'o' other */
	const char *s;
	size_t slen;
	int64_t i;
	double d;
	bool b;
};

struct tele_item *tele_item_new(enum tele_signal sig, const char *service);
/* Keep the attribute if the table names it; -1 out of memory. */
int tele_add_attr(struct tele_item *it, const char *key, size_t klen, const struct aval *v);
int tele_name_log(struct tele_item *it, const char *event_name, const struct aval *body,
		  const char *attr_name, size_t attr_len);
void tele_push(struct tele_list *l, struct tele_item *it);
bool tele_to_int(const struct aval *v, int64_t *out);
char *tele_to_text(const struct aval *v);
int tele_json_parse(enum tele_signal sig, const void *body, size_t len, struct tele_list *l,
		    char *err, size_t errlen);

#endif
