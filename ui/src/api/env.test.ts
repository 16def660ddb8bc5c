import { describe, expect, it } from "vitest";
import { envValueText, isSecretName, MASKED, SECRET_WORDS, SET_AT_EACH_START, TUNNEL_URL_PENDING, tunnelEnvVar } from "./env";

describe("isSecretName, the engine's rule", () => {
  it.each(SECRET_WORDS)("takes a name holding %s for a secret", (word) => {
    expect(isSecretName(word)).toBe(true);
    expect(isSecretName(`MY_${word}_1`)).toBe(true);
    expect(isSecretName(word.toLowerCase())).toBe(true);
  });

  it.each([
    "STRIPE_API_KEY", "GITHUB_TOKEN", "db_password", "Mysql_Passwd", "OPENAI_APIKEY", "SSH_PRIVATE_KEY",
    "AWS_CREDENTIALS", "OAUTH_CLIENT", "session_secret", "x-auth-header",
  ])("%s is a secret", (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(["MODE", "PORT", "DATABASE_URL", "PUBLIC_KEY", "KEYRING", "API", "NEXSOCK_SERVICE", "NEXSOCK_TUNNEL_WEB_URL", ""])(
    "%j is not",
    (name) => {
      expect(isSecretName(name)).toBe(false);
    },
  );

  it("folds case for ASCII letters only, as the engine's to_ascii_uppercase", () => {
    // `ſ` (long s) is `S` in Unicode's upper case, but not in ASCII's.
    expect("paſſword".toUpperCase()).toBe("PASSWORD");
    expect(isSecretName("paſſword")).toBe(false);
    expect(isSecretName("pAsSwOrD")).toBe(true);
  });
});

describe("tunnelEnvVar", () => {
  it("names the variable after the dependency, upper case, anything but letters and digits as _", () => {
    expect(tunnelEnvVar("web")).toBe("NEXSOCK_TUNNEL_WEB_URL");
    expect(tunnelEnvVar("my-api_2")).toBe("NEXSOCK_TUNNEL_MY_API_2_URL");
  });
});

describe("envValueText, in the CLI's words", () => {
  const v = (value: string | null, source: string, secret = false) => ({ name: "X", value, source, secret });

  it("shows a value as it is, a masked secret as stars, and why other values are not known yet", () => {
    expect(envValueText(v("dev", "spec"))).toBe("dev");
    expect(envValueText(v("sk_live_abc123", "spec", true))).toBe("sk_live_abc123");
    expect(envValueText(v(null, "spec", true))).toBe(MASKED);
    expect(MASKED).toBe("********");
    expect(envValueText(v(null, "tunnel:web"))).toBe("(the tunnel's URL, once it is open)");
    expect(envValueText(v(null, "nexsock"))).toBe("(set at each start)");
    expect([TUNNEL_URL_PENDING, SET_AT_EACH_START]).toEqual(["(the tunnel's URL, once it is open)", "(set at each start)"]);
  });
});
