import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A one-day self-signed certificate for 127.0.0.1 and localhost, made by openssl in `dir`: it stands for a
 * private CA (a TLS-inspecting proxy's, a corporate one) and is its own CA bundle.
 */
export function selfSignedCert(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}
