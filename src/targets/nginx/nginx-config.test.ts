import { describe, expect, it } from 'vitest';
import { generationUrl, renderedGeneration, renderedServers, renderedWeights, renderNginxConfig, type NginxConfigInput } from './nginx-config.js';

const BASE: NginxConfigInput = {
  service: 'shop-a',
  listen: '127.0.0.1:8080',
  accessLog: '/srv/shop/access.log',
  sticky: 'none',
  versions: [
    { version: 'v1', weight: 90, servers: ['127.0.0.2:9001', '127.0.0.3:9001'] },
    { version: 'v2.0+b', weight: 10, servers: ['127.0.0.2:9002'] },
    { version: 'v0', weight: 0, servers: ['127.0.0.2:9000'] },
  ],
};

const SERVER = `server {
    listen 127.0.0.1:8080;
    access_log /srv/shop/access.log glidepath_shop_a;
    location = /.well-known/glidepath/shop_a/generation {
        access_log off;
        allow 127.0.0.0/8;
        allow ::1;
        deny all;
        return 200 "528c6adeb99d80b1 $pid\\n";
    }
    location / {
        proxy_pass http://$glidepath_shop_a_upstream;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_next_upstream error timeout;
`;

describe('renderNginxConfig', () => {
  it('renders an upstream per version and a split of the versions with a share, the last one "*"', () => {
    expect(renderNginxConfig(BASE)).toBe(`# The nginx configuration of shop-a, written by glidepath: every weight change rewrites it; do not edit.
# glidepath-weights: {"v1":90,"v2.0+b":10}

log_format glidepath_shop_a '$msec "$glidepath_shop_a_version" $status $request_time';

upstream glidepath_shop_a_0 {
    server 127.0.0.2:9001;
    server 127.0.0.3:9001;
    keepalive 16;
}

upstream glidepath_shop_a_1 {
    server 127.0.0.2:9002;
    keepalive 16;
}

upstream glidepath_shop_a_2 {
    server 127.0.0.2:9000;
    keepalive 16;
}

split_clients "\${request_id}" $glidepath_shop_a_version {
    90% "v1";
    * "v2.0+b";
}

map $glidepath_shop_a_version $glidepath_shop_a_upstream {
    default "";
    "v1" glidepath_shop_a_0;
    "v2.0+b" glidepath_shop_a_1;
    "v0" glidepath_shop_a_2;
}

${SERVER}    }
}
`);
  });

  it('hashes an existing cookie when sticky by cookie:<name>, falling back to the request id without it', () => {
    const text = renderNginxConfig({ ...BASE, sticky: 'cookie:sid', versions: [{ version: 'v1', weight: 100, servers: ['10.0.0.5:8080'] }] });
    expect(text).toContain(`map $cookie_sid $glidepath_shop_a_key {
    "" $request_id;
    default $cookie_sid;
}

upstream glidepath_shop_a_0 {
    hash $glidepath_shop_a_key consistent;
    server 10.0.0.5:8080;
    keepalive 16;
}

split_clients "$glidepath_shop_a_key" $glidepath_shop_a_version {
    * "v1";
}
`);
    expect(text).not.toContain('Set-Cookie');
  });

  it('sets its own cookie when sticky by cookie, only on answers to requests without it', () => {
    const text = renderNginxConfig({ ...BASE, sticky: 'cookie' });
    expect(text).toContain(`map $cookie_glidepath_shop_a $glidepath_shop_a_set_cookie {
    "" "glidepath_shop_a=$request_id; Path=/; HttpOnly; SameSite=Lax";
    default "";
}
`);
    expect(text).toContain('        add_header Set-Cookie $glidepath_shop_a_set_cookie always;\n    }\n}\n');
  });

  it('rounds shares to two decimals and answers 503 when no version has a share', () => {
    const thirds = renderNginxConfig({ ...BASE, versions: [{ version: 'a', weight: 100 / 3, servers: ['h:1'] }, { version: 'b', weight: 200 / 3, servers: ['h:2'] }] });
    expect(thirds).toContain('    33.33% "a";\n    * "b";\n');
    const none = renderNginxConfig({ ...BASE, versions: [{ version: 'a', weight: 0, servers: ['h:1'] }] });
    expect(none).toContain('split_clients "${request_id}" $glidepath_shop_a_version {\n    * "";\n}');
    expect(none).toContain('    location / {\n        return 503;\n    }\n');
    expect(none).not.toContain('weight=0');
  });
});

describe('client keep-alive', () => {
  it('is nginx\'s default, and off closes each client connection after its answer', () => {
    expect(renderNginxConfig(BASE)).not.toContain('keepalive_timeout');
    expect(renderNginxConfig({ ...BASE, clientKeepalive: false })).toContain('    access_log /srv/shop/access.log glidepath_shop_a;\n    keepalive_timeout 0;\n');
  });
});

describe('the generation nginx answers', () => {
  it('changes with the split, is read back from the file, and is asked from where glidepath can reach it', () => {
    const first = renderedGeneration(renderNginxConfig(BASE));
    expect(first).toBe('528c6adeb99d80b1');
    expect(renderedGeneration(renderNginxConfig({ ...BASE, versions: BASE.versions.map((v) => ({ ...v, weight: 100 - v.weight })) }))).not.toBe(first);
    expect(generationUrl('127.0.0.1:8080', 'shop-a')).toBe('http://127.0.0.1:8080/.well-known/glidepath/shop_a/generation');
    expect(generationUrl('0.0.0.0:80', 'shop')).toBe('http://127.0.0.1:80/.well-known/glidepath/shop/generation');
    expect(generationUrl('[::]:80', 'shop')).toBe('http://[::1]:80/.well-known/glidepath/shop/generation');
  });

  it('lets the listen address itself ask when nginx listens on one address only', () => {
    expect(renderNginxConfig({ ...BASE, listen: '10.0.0.5:80' })).toContain('        allow ::1;\n        allow 10.0.0.5;\n        deny all;\n');
    expect(renderNginxConfig({ ...BASE, listen: '0.0.0.0:80' })).toContain('        allow ::1;\n        deny all;\n');
  });
});

describe('renderedWeights', () => {
  it('reads back the split a rendered file applies', () => {
    expect(renderedWeights(renderNginxConfig(BASE))).toEqual({ v1: 90, 'v2.0+b': 10 });
  });

  it('answers undefined for a file glidepath did not write', () => {
    expect(renderedWeights('upstream x { server a:1; }\n')).toBeUndefined();
    expect(renderedWeights('# glidepath-weights: {"a": "x"}\n')).toBeUndefined();
  });
});

describe('renderedServers', () => {
  it('reads back the servers of each version the file routes to, with a share or not, sticky or not', () => {
    const expected = { v1: ['127.0.0.2:9001', '127.0.0.3:9001'], 'v2.0+b': ['127.0.0.2:9002'], v0: ['127.0.0.2:9000'] };
    expect(renderedServers(renderNginxConfig(BASE))).toEqual(expected);
    expect(renderedServers(renderNginxConfig({ ...BASE, sticky: 'cookie' }))).toEqual(expected);
  });

  it('leaves out a version without servers, and answers undefined for a file glidepath did not write', () => {
    expect(renderedServers(renderNginxConfig({ ...BASE, versions: [{ version: 'v1', weight: 100, servers: [] }] }))).toEqual({});
    expect(renderedServers('upstream x {\n    server a:1;\n}\n')).toBeUndefined();
  });
});
