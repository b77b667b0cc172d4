import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { defaultRoute, type FunctionId, type RouteDecl, routes } from '../topology.ts';
import { acknowledge, removalPolicyOf, retention, type StageProps } from './common.ts';

export interface ApiStackProps extends StackProps, StageProps {
  functions: ReadonlyMap<FunctionId, NodejsFunction>;
}

/**
 * The HTTP API: the declared routes on their functions, admin routes behind IAM authorization,
 * stage throttling, a CORS allow-list from the stage's configuration, and JSON access logs.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly stageName = '$default';

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const removalPolicy = removalPolicyOf(config);
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: retention(config.logRetentionDays),
      removalPolicy,
    });
    this.api = new HttpApi(this, 'Api', {
      apiName: `merchandiser-${stage}`,
      createDefaultStage: false,
      // Behind CloudFront (prod) the API answers only on its custom domain: the execute-api URL
      // would let a caller go around the WAF's rate limit.
      disableExecuteApiEndpoint: config.edge !== undefined,
      corsPreflight: {
        allowOrigins: config.corsAllowOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'authorization', 'accept-language', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    const httpStage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: this.stageName,
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            sourceIp: '$context.identity.sourceIp',
            time: '$context.requestTime',
          }),
        ),
      },
    });
    // Per-route limits below the stage's, where one caller makes the service write or publish.
    (httpStage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      Object.entries(config.routeThrottles).map(([key, t]) => [
        key,
        // CloudFormation's spelling: routeSettings is untyped, so CDK passes it as it is.
        { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
      ]),
    );
    if (config.edge) {
      const domain = new DomainName(this, 'OriginDomain', {
        domainName: config.edge.originDomainName,
        certificate: Certificate.fromCertificateArn(
          this,
          'OriginCertificate',
          config.edge.originCertificateArn,
        ),
      });
      new ApiMapping(this, 'OriginMapping', { api: this.api, domainName: domain, stage: httpStage });
      new CfnOutput(this, 'OriginDomainTarget', {
        value: domain.regionalDomainName,
        description: `Point ${config.edge.originDomainName} (CNAME or alias) here; CloudFront calls it`,
      });
    }
    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    const iam = new HttpIamAuthorizer();
    // Signed-in-only routes: API Gateway checks the token against the stage's identity provider
    // (its OIDC discovery document at the issuer) before the function runs; the function checks it
    // again with the rules the authorizer lacks (maximum lifetime, algorithm allow-list).
    const jwt = new HttpJwtAuthorizer('ShopperJwt', config.auth.issuer, {
      jwtAudience: config.auth.audience,
      identitySource: ['$request.header.Authorization'],
    });
    for (const r of routes as readonly RouteDecl[]) {
      let integration = integrations.get(r.functionId);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `Integration-${r.functionId}`,
          props.functions.get(r.functionId)!,
        );
        integrations.set(r.functionId, integration);
      }
      const added = this.api.addRoutes({
        path: r.path,
        methods: [r.method as HttpMethod],
        integration,
        ...(r.auth === 'iam' ? { authorizer: iam } : r.auth === 'jwt' ? { authorizer: jwt } : {}),
      });
      // A route's throttle on the stage needs the route to exist first.
      for (const route of added) httpStage.node.addDependency(route);
      if (r.auth === 'none') {
        for (const route of added) {
          acknowledge(
            route,
            'AwsSolutions-APIG4',
            r.functionId === 'pricing'
              ? 'Guests may quote, so the route stays open at the gateway; the function verifies the bearer token itself and takes member tier and group state from the server only.'
              : 'A public storefront route (shoppers are anonymous); stage throttling bounds it, and admin routes use IAM authorization.',
          );
        }
      }
    }
    // `$default`: what no route takes answers 404/405 in the error shape, not API Gateway's bare 404.
    const unrouted = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrations.get(defaultRoute.functionId)!,
    });
    acknowledge(unrouted, 'AwsSolutions-APIG4', 'Answers only 404/405 for paths and methods no route takes.');
    if (!config.edge)
      new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
  }
}
