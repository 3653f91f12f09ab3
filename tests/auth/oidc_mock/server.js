// A third-party, standards-conformant OpenID provider (axa-group oauth2-mock-server) on loopback.
// Claims Entra would carry (tid, oid, scp, ver, azp, preferred_username) are set through the
// provider's own hook, from environment variables; the service is configured only by env vars.
// Prints "READY <port>" once listening; stops on SIGTERM.
const { OAuth2Server } = require("oauth2-mock-server");

async function main() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  server.service.on("beforeTokenSigning", (token) => {
    token.payload.aud = process.env.MOCK_AUD;
    token.payload.tid = process.env.MOCK_TID;
    token.payload.oid = process.env.MOCK_OID;
    token.payload.sub = process.env.MOCK_OID;
    token.payload.ver = "2.0";
    token.payload.scp = "access_as_user";
    token.payload.azp = process.env.MOCK_AZP;
    token.payload.preferred_username = process.env.MOCK_EMAIL;
  });
  await server.start(0, "127.0.0.1");
  process.stdout.write(`READY ${server.address().port}\n`);
  process.on("SIGTERM", async () => { await server.stop(); process.exit(0); });
}

main().catch((err) => { console.error(err); process.exit(1); });
