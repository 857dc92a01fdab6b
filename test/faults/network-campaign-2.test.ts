import { networkCampaign } from './network-campaign';

networkCampaign(0.02);
