// The emoji names the sandbox accepts for award emoji: the common part of GitLab's (gemoji) list, plus the
// aliases GitLab normalises ("+1" is stored as "thumbsup"). A name outside it is "not a valid emoji name".
const NAMES = `
thumbsup thumbsdown ok_hand clap wave raised_hands pray muscle point_up point_down point_left point_right
v crossed_fingers handshake writing_hand metal call_me raised_hand fist punch heart orange_heart
yellow_heart green_heart blue_heart purple_heart black_heart white_heart brown_heart broken_heart
heart_eyes heartpulse sparkling_heart two_hearts revolving_hearts cupid smile smiley grinning grin
laughing sweat_smile joy rofl relaxed blush innocent slight_smile upside_down wink relieved yum
sunglasses smirk neutral_face expressionless unamused rolling_eyes thinking thinking_face flushed
disappointed worried angry rage pensive confused slight_frown frowning2 persevere confounded
tired_face weary triumph cry sob scream fearful cold_sweat hushed astonished open_mouth sleeping
sleepy dizzy_face zipper_mouth mask face_with_thermometer nerd nerd_face hugging hugs star_struck
exploding_head partying_face shushing_face face_with_monocle clown skull ghost alien robot poop
hankey smiley_cat see_no_evil hear_no_evil speak_no_evil eyes eye tongue zzz sweat_drops dash
fire boom collision star star2 dizzy sparkles zap rainbow sunny cloud umbrella snowflake snowman
rocket tada confetti_ball balloon gift trophy medal first_place second_place third_place
checkered_flag triangular_flag_on_post white_check_mark heavy_check_mark ballot_box_with_check x
negative_squared_cross_mark heavy_multiplication_x warning no_entry no_entry_sign stop_sign
exclamation question grey_exclamation grey_question interrobang bangbang 100 1234 abc new up cool
ok sos free top soon back end on arrow_up arrow_down arrow_left arrow_right arrows_counterclockwise
repeat recycle link lock unlock key bell no_bell mag mag_right bulb flashlight memo pencil pencil2
book books bookmark clipboard pushpin paperclip scissors wrench hammer hammer_and_wrench tools
gear nut_and_bolt shield bug ant bee beetle snail turtle snake dragon whale dolphin fish octopus
crab shrimp monkey gorilla dog cat mouse hamster rabbit fox_face bear panda_face koala tiger lion
cow pig frog chicken penguin bird eagle duck owl unicorn horse zebra deer ox water_buffalo
cactus christmas_tree evergreen_tree deciduous_tree palm_tree seedling herb shamrock four_leaf_clover
maple_leaf fallen_leaf leaves mushroom rose tulip sunflower blossom cherry_blossom bouquet
apple green_apple pear tangerine lemon banana watermelon grapes strawberry melon cherries peach
pineapple coconut kiwi avocado tomato eggplant carrot corn hot_pepper cucumber broccoli potato
bread croissant cheese egg cooking bacon hamburger fries pizza hotdog taco burrito popcorn
cake birthday cookie chocolate_bar candy lollipop doughnut icecream ice_cream coffee tea beer beers
wine_glass cocktail tropical_drink champagne clinking_glass spaghetti sushi ramen rice curry
computer keyboard desktop laptop printer mouse_three_button floppy_disk cd dvd minidisc battery
electric_plug telephone iphone calling pager fax tv radio camera video_camera movie_camera
hourglass hourglass_flowing_sand watch alarm_clock stopwatch timer clock calendar date
chart_with_upwards_trend chart_with_downwards_trend bar_chart package inbox_tray outbox_tray
email envelope incoming_envelope mailbox postbox newspaper label moneybag dollar money_with_wings
credit_card gem scales crystal_ball game_die dart bowling jigsaw art performing_arts microphone
headphones musical_note notes guitar trumpet violin drum earth_americas earth_africa earth_asia
globe_with_meridians house office hospital bank hotel school factory construction building_construction
car taxi bus ambulance fire_engine police_car truck bike motorcycle train airplane ship anchor
construction_worker cop detective man_technologist woman_technologist technologist scientist
ninja santa angel baby boy girl man woman older_man older_woman family couple bow raising_hand
facepalm shrug man_shrugging woman_shrugging man_facepalming woman_facepalming runner dancer
party_popper white_flag black_flag golf ping_pong soccer basketball football baseball tennis
volleyball rugby_football 8ball ski snowboarder surfer swimmer rowboat weight_lifter trident
infinity heavy_plus_sign heavy_minus_sign heavy_division_sign heavy_dollar_sign copyright registered
tm hash asterisk zero one two three four five six seven eight nine keycap_ten information_source
red_circle large_blue_circle white_circle black_circle large_orange_diamond large_blue_diamond
small_orange_diamond small_blue_diamond red_car blue_car green_book blue_book orange_book
speech_balloon thought_balloon left_speech_bubble anger right_anger_bubble hole bomb sweat
slightly_smiling_face slightly_frowning_face grimacing face_palm
`;

const ALIASES: Record<string, string> = {
  "+1": "thumbsup",
  "-1": "thumbsdown",
  thumbs_up: "thumbsup",
  thumbs_down: "thumbsdown",
  satisfied: "laughing",
  shipit: "squirrel",
};

const VALID = new Set(NAMES.split(/\s+/).filter((n) => n !== ""));
VALID.add("squirrel");

/** The stored name for an emoji name or alias, or null when GitLab would not know it. */
export function normalizeEmojiName(name: string): string | null {
  const canonical = ALIASES[name] ?? name;
  return VALID.has(canonical) ? canonical : null;
}
