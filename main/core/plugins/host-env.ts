/**
 * The environment a plugin host starts with: main's, without the variables whose names say they hold
 * a secret (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `OPENAI_API_KEY`, `DB_PASSWORD`…). Plugins are
 * native code and could read them and send them on through a permitted request; what they need to
 * run tools (`PATH`, `HOME`, `SSH_AUTH_SOCK`, `P4PORT`…) stays.
 */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|(^|_)(KEY|APIKEY|CREDENTIALS?)(_|$)/i;

export function pluginHostEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!SECRET_NAME.test(name)) kept[name] = value;
  return kept;
}
