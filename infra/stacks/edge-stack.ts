import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from '../../functions/lib/secrets.ts';
import { acknowledge, originVerifySecretName, type StageProps } from './common.ts';

export interface EdgeStackProps extends StackProps, StageProps {}

/**
 * CloudFront in front of the HTTP API (prod), with a WAF web ACL whose rate-based rule blocks an
 * IP address past the stage's limit in any 5 minutes. The API's default execute-api endpoint is
 * off (ApiStack), so the distribution's origin is the API's custom domain. Nothing is cached but
 * the guest hit lists, which the API already marks cacheable (`Cache-Control: public`); every other
 * request passes through with its headers, so tokens and signatures reach the API as sent. Lives in
 * us-east-1: a CloudFront web ACL must.
 */
export class EdgeStack extends Stack {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const edge = config.edge!;
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: `merchandiser-${stage}-${name}`,
      sampledRequestsEnabled: true,
    });
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('edge'),
      rules: [
        {
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: edge.wafRateLimitPer5Minutes, aggregateKeyType: 'IP' } },
          visibilityConfig: metric('rate-per-ip'),
        },
        {
          name: 'aws-common',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' },
          },
          visibilityConfig: metric('aws-common'),
        },
      ],
    });
    // The header the API's functions require of every request not signed with SigV4: the custom
    // domain is public DNS, and this header is what tells CloudFront's requests (and so the WAF's)
    // from a caller going around them. A dynamic reference to the secret's us-east-1 replica: the
    // value is resolved by CloudFormation at deploy, never written into the template.
    const originVerify = SecretValue.secretsManager(originVerifySecretName(stage), {
      jsonField: edge.originVerifyKey,
    });
    const origin = new HttpOrigin(edge.originDomainName, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      customHeaders: { [ORIGIN_VERIFY_HEADER]: originVerify.unsafeUnwrap() },
    });
    // Guest hit lists vary only by their query and language; a signed-in request is never cached
    // (the Authorization header is part of the key, so it misses).
    const hits = new CachePolicy(this, 'HitsCache', {
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.minutes(5),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization', 'Accept-Language'),
      cookieBehavior: CacheCookieBehavior.none(),
    });
    const passThrough = {
      origin,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
    };
    this.distribution = new Distribution(this, 'Cdn', {
      comment: `merchandiser (${stage}): the HTTP API behind WAF`,
      defaultBehavior: passThrough,
      additionalBehaviors: {
        '/v1/hits': {
          ...passThrough,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: hits,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
      webAclId: acl.attrArn,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Shoppers may be anywhere; the WAF rate rule, not geography, bounds abuse.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'The HTTP API writes an access log line per request (ApiStack); CloudFront standard logs would duplicate it.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      "The distribution's default certificate (*.cloudfront.net) allows TLSv1; a custom viewer domain with a TLSv1.2_2021 policy is the shop's to add with its certificate.",
    );
    new CfnOutput(this, 'ApiUrl', {
      value: `https://${this.distribution.distributionDomainName}`,
      description: 'Base URL of the HTTP API (through CloudFront and WAF)',
    });
  }
}
