#!/usr/bin/env python3
"""gen_fake_keys.py: writes the redaction test set next to itself:
- fake_keys.tsv: real-format but FAKE keys (random from a fixed seed, never
  issued by any provider), each inside a realistic string (argv element,
  env assignment, code, header, JSON). Columns: rule, secret, text (tab
  separated; \\n in text is a newline).
- clean_generated.txt: strings that must stay untouched: hashes, UUIDs,
  base64 of ordinary text, digests (clean_commands.txt, written by hand,
  holds ordinary commands).
Re-run after changing it: python3 tests/redact/gen_fake_keys.py
"""
import hashlib
import os
import uuid
import base64
import random
import string

R = random.Random(20261206)
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "_-"
HEX = "0123456789abcdef"
UPPER_NUM = string.ascii_uppercase + string.digits


def rnd(alphabet, n):
    return "".join(R.choice(alphabet) for _ in range(n))


CONTEXTS = [
    "{k}",
    "echo {k}",
    "curl -H 'x-api-key: {k}' https://api.example.test/v1",
    "python3 -c 'import client; client.Client(key=\"{k}\").run()'",
    "{{\"credential_value\": \"{k}\"}}",
    "sh -c 'echo {k} >/dev/null'",
    "node -e \"fetch(u, {{headers: {{k: '{k}'}}}})\"",
    "--with={k}",
]


def in_context(k, i):
    return CONTEXTS[i % len(CONTEXTS)].format(k=k)


def anthropic():
    kind = R.choice(["api03", "api03", "admin01"])
    return f"sk-ant-{kind}-{rnd(B64URL, 93)}AA"


def openai():
    kind = R.choice(["proj", "svcacct", "admin", "legacy"])
    if kind == "legacy":
        return f"sk-{rnd(ALNUM, 20)}T3BlbkFJ{rnd(ALNUM, 20)}"
    return f"sk-{kind}-{rnd(B64URL, 74)}T3BlbkFJ{rnd(B64URL, 74)}"


GENERATORS = {
    "anthropic_key": anthropic,
    "openai_key": openai,
    "openrouter_key": lambda: "sk-or-v1-" + rnd(HEX, 64),
    "deepseek_key": lambda: "sk-" + rnd(HEX, 32),
    "google_api_key": lambda: "AIza" + rnd(B64URL, 35),
    "huggingface_token": lambda: "hf_" + rnd(string.ascii_letters, 34),
    "xai_key": lambda: "xai-" + rnd(ALNUM, 80),
    "groq_key": lambda: "gsk_" + rnd(ALNUM, 52),
    "perplexity_key": lambda: "pplx-" + rnd(ALNUM, 48),
    "replicate_token": lambda: "r8_" + rnd(ALNUM, 37),
    "stripe_key": lambda: R.choice(["sk_live_", "rk_live_", "sk_test_"]) + rnd(ALNUM, 99),
    "npm_token": lambda: "npm_" + rnd(ALNUM, 36),
    "pypi_token": lambda: "pypi-AgEIcHlwaS5vcmc" + rnd(B64URL, 140),
    "docker_token": lambda: "dckr_pat_" + rnd(B64URL, 27),
    "azure_client_secret": lambda: rnd(ALNUM, 3) + R.choice(string.digits) + "Q~" + rnd(ALNUM + "_~.-", 34),
    "azure_devops_pat": lambda: rnd(ALNUM, 76) + "AZDO" + rnd(ALNUM, 4),
    "aws_access_key": lambda: "AKIA" + rnd(UPPER_NUM, 16),
    "github_token": lambda: R.choice(["ghp_", "gho_", "ghs_"]) + rnd(ALNUM, 36),
    "gitlab_token": lambda: "glpat-" + rnd(B64URL, 20),
    "slack_token": lambda: "xoxb-" + rnd(string.digits, 12) + "-" + rnd(string.digits, 13) + "-" + rnd(ALNUM, 24),
}

# Secrets recognised by their context, not their shape.
CONTEXT_RULES = [
    ("mistral_key", lambda: rnd(ALNUM, 32), "curl -d '{{\"mistral\": \"{k}\"}}' https://api.mistral.test"),
    ("azure_storage_key", lambda: rnd(ALNUM + "+/", 86) + "==",
     "az storage blob list --connection-string 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={k};EndpointSuffix=core.windows.net'"),
    ("azure_sas_token", lambda: rnd(ALNUM, 40) + "%3D",
     "curl 'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&srt=o&sp=r&sig={k}'"),
    ("env_secret", lambda: rnd(ALNUM, 24), "env STRIPE_KEY={k} ./deploy.sh"),
    ("env_secret", lambda: rnd(ALNUM + "-_", 30), "export SIGNING_KEY=\"{k}\""),
    ("password_pair", lambda: rnd(ALNUM + "-_", 30), "export ANTHROPIC_AUTH_TOKEN=\"{k}\""),
    ("env_secret", lambda: rnd(ALNUM, 16), "DB_PASS={k} psql"),
    ("env_secret", lambda: rnd(ALNUM, 20), "HF_HUB_TOKENS={k} python3 train.py"),
    ("password_pair", lambda: rnd(ALNUM, 20), "OPENAI_API_KEY={k} python3 agent.py"),
    ("password_pair", lambda: rnd(ALNUM, 18), "env DATABASE_PASSWORD={k} ./migrate"),
    ("password_pair", lambda: rnd(ALNUM, 18), "export GITHUB_TOKEN='{k}'"),
    ("secret_argument", lambda: rnd(ALNUM, 18), "tool --client-secret {k} --verbose"),
    ("bearer_token", lambda: rnd(B64URL, 40), "curl -H 'Authorization: Bearer {k}' https://api.example.test"),
    ("url_credentials", lambda: rnd(ALNUM, 16), "git clone https://deploy:{k}@git.example.test/x.git"),
]

PEM = ["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY",
       "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]


def pem(i):
    kind = PEM[i % len(PEM)]
    body = base64.b64encode(R.randbytes(180)).decode()
    lines = "\n".join(body[j:j + 64] for j in range(0, len(body), 64))
    text = f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----"
    if i % 2:
        text = f"printf '%s' '{text}' > /tmp/k"
    return body[:64], text


WORDS = ("the quick brown fox jumps over the lazy dog while the build runs "
         "tests for the parser and the tokenizer of the project").split()


def clean_lines():
    out = []
    for i in range(30):
        text = " ".join(R.choice(WORDS) for _ in range(12)).encode()
        out.append(hashlib.sha1(text).hexdigest())
        out.append("sha256:" + hashlib.sha256(text).hexdigest())
        out.append(str(uuid.UUID(int=R.getrandbits(128), version=4)))
        out.append("echo " + base64.b64encode(text).decode() + " | base64 -d")
        out.append("git show " + hashlib.sha1(text).hexdigest()[:12])
        out.append("docker pull python@sha256:" + hashlib.sha256(text).hexdigest())
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for rule, gen in GENERATORS.items():
        for i in range(8):
            k = gen()
            rows.append((rule, k, in_context(k, i)))
    for rule, gen, fmt in CONTEXT_RULES:
        for _ in range(4):
            k = gen()
            rows.append((rule, k, fmt.format(k=k)))
    for i in range(12):
        secret, text = pem(i)
        rows.append(("private_key", secret, text))
    with open(os.path.join(here, "fake_keys.tsv"), "w") as f:
        f.write("# rule\tsecret\ttext -- FAKE keys, generated by gen_fake_keys.py\n")
        for rule, k, text in rows:
            f.write(f"{rule}\t{k}\t{text.replace(chr(10), chr(92) + 'n')}\n")
    with open(os.path.join(here, "clean_generated.txt"), "w") as f:
        f.write("# must stay untouched -- generated by gen_fake_keys.py\n")
        f.write("\n".join(clean_lines()) + "\n")


if __name__ == "__main__":
    main()
