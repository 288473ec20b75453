import * as path from 'node:path';
import { loadConfigFile } from '../config/load';
import { expectRejected, mutated, synthWith } from './helpers/bad-config';
import { Json, only, ref, resolveRemote, resources, synthConfig } from './helpers/synth';

const example = synthConfig(loadConfigFile(path.join(__dirname, '..', 'config', 'examples', 'internal-service.yaml')));
const api = example.stack('dev-api');
const web = example.stack('dev-web');
const platform = example.stack('dev-platform');
const network = example.stack('dev-network');

describe('internal services (config/examples/internal-service.yaml)', () => {
  test('an internal service gets no target group, no listener rule and no load balancer ingress', () => {
    expect(resources(api, 'aws_lb_target_group')).toHaveLength(0);
    expect(resources(api, 'aws_lb_listener_rule')).toHaveLength(0);
    const [, service] = resources(api, 'aws_ecs_service')[0];
    expect(service.load_balancer).toBeUndefined();
    expect(service.health_check_grace_period_seconds).toBeUndefined();
    expect(resources(api, 'aws_vpc_security_group_ingress_rule')).toHaveLength(0);
  });

  test('it is published in the environment\'s Service Connect namespace under its name', () => {
    const [namespaceName, namespace] = resources(platform, 'aws_service_discovery_http_namespace')[0];
    expect(namespace.name).toBe('acme-dev');
    expect(resources(platform, 'aws_ecs_cluster')[0][1].service_connect_defaults).toEqual({ namespace: ref('aws_service_discovery_http_namespace', namespaceName, 'arn') });
    const [, service] = resources(api, 'aws_ecs_service')[0];
    expect(resolveRemote(example, service.service_connect_configuration.namespace)).toBe(`dev-platform: ${ref('aws_service_discovery_http_namespace', namespaceName, 'arn')}`);
    expect(service.service_connect_configuration).toMatchObject({
      enabled: true,
      service: [{ port_name: 'api', discovery_name: 'api', client_alias: { port: 3000, dns_name: 'api' } }],
    });
    const container = JSON.parse(only(api, 'aws_ecs_task_definition').container_definitions)[0];
    expect(container.portMappings).toEqual([{ containerPort: 3000, protocol: 'tcp', name: 'api', appProtocol: 'http' }]);
    expect(api.output.service_connect_endpoint.value).toBe('http://api:3000');
  });

  test('the caller joins the namespace as a client and is the only source the callee admits', () => {
    const [, webService] = resources(web, 'aws_ecs_service')[0];
    expect(webService.service_connect_configuration.enabled).toBe(true);
    expect(webService.service_connect_configuration.service).toBeUndefined();
    const [webSgName] = resources(web, 'aws_security_group')[0];
    const [apiSgName] = resources(api, 'aws_security_group')[0];
    const apiSg = `dev-api: ${ref('aws_security_group', apiSgName)}`;
    const ingress = resources(web, 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.referenced_security_group_id === ref('aws_security_group', webSgName));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({ from_port: 3000, to_port: 3000, ip_protocol: 'tcp' });
    expect(resolveRemote(example, ingress[0].security_group_id)).toBe(apiSg);
    const egress = resources(web, 'aws_vpc_security_group_egress_rule').map(([, r]) => r).filter((r) => r.from_port === 3000);
    expect(egress).toHaveLength(1);
    expect(egress[0].security_group_id).toBe(ref('aws_security_group', webSgName));
    expect(resolveRemote(example, egress[0].referenced_security_group_id)).toBe(apiSg);
    expect(example.stackNames().indexOf('dev-api')).toBeLessThan(example.stackNames().indexOf('dev-web'));
  });

  test('Service Connect and the secret pull their VPC endpoints into the network', () => {
    const services = resources(network, 'aws_vpc_endpoint').map(([, e]) => e.service_name.replace('com.amazonaws.ap-northeast-2.', ''));
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 's3', 'secretsmanager']);
  });

  test('without internal services there is no namespace and no Service Connect', () => {
    const plain = synthConfig(loadConfigFile(path.join(__dirname, '..', 'config', 'environments.yaml')));
    expect(resources(plain.stack('dev-platform'), 'aws_service_discovery_http_namespace')).toHaveLength(0);
    expect(resources(plain.stack('dev-web'), 'aws_ecs_service')[0][1].service_connect_configuration).toBeUndefined();
  });
});

describe('internal service configuration errors', () => {
  const withServices = (services: Json) =>
    mutated((d) => {
      d.environments.dev.services = services;
    });
  const base = { imageTag: 'v1', port: 3000 };
  const cases: Array<[string, string, RegExp]> = [
    ['calling an unknown service', withServices({ web: { ...base, calls: ['payments'] } }), /environments\.dev\.services\.web\.calls\.0: no service "payments" in this environment; services: web/],
    ['calling a public service', withServices({ web: { ...base, calls: ['shop'] }, shop: { ...base, routing: { pathPatterns: ['/shop/*'] } } }), /services\.web\.calls\.0: "shop" is a public service/],
    ['calling itself', withServices({ api: { ...base, exposure: 'internal', calls: ['api'] } }), /services\.api\.calls\.0: a service cannot call itself/],
    ['routing on an internal service', withServices({ api: { ...base, exposure: 'internal', routing: { pathPatterns: ['/api/*'] } } }), /services\.api\.routing: internal services get no load balancer route/],
    [
      'a cycle of calls',
      withServices({ orders: { ...base, exposure: 'internal', calls: ['billing'] }, billing: { ...base, exposure: 'internal', calls: ['orders'] } }),
      /services\.orders\.calls: calls form a cycle \(orders -> billing -> orders\)/,
    ],
    ['unknown exposure', withServices({ api: { ...base, exposure: 'private' } }), /services\.api\.exposure: Invalid option: expected one of "public"\|"internal"/],
    [
      'disabling a Service Connect endpoint',
      mutated((d) => {
        d.environments.dev.services = { web: { ...base, calls: ['api'] }, api: { ...base, exposure: 'internal' } };
        d.environments.dev.network.disabledEndpoints = ['ecs-agent'];
      }),
      /network\.disabledEndpoints\.0: "ecs-agent" is needed by service "web" \(ECS Service Connect\)/,
    ],
  ];
  test.each(cases)('%s', (_name, content, message) => {
    expectRejected(synthWith(content), message);
  });
});
